//! An async host: plugins that do real async work, started concurrently as their dependencies
//! allow, and shut down within a grace period on Ctrl-C (or after `--run-for SECONDS`).
//!
//! - `listener` binds a TCP listener on a loopback port and greets every connection;
//! - `ticker` ticks on a timer;
//! - `prober` depends on both: on every tick it connects to the listener and logs the greeting.
//!
//! The sync example plugins (`greeter`, `clock`, ...) run beside them, their hooks on tokio's
//! blocking pool.
//!
//! ```text
//! cargo run --example async_host                   # until Ctrl-C
//! cargo run --example async_host -- --run-for 2    # two seconds, then the same shutdown
//! RUST_LOG=debug cargo run --example async_host    # every state change
//! cargo run --example async_host -- --disable ticker --run-for 2   # the common options apply
//! cargo run --example async_host -- check          # the plugin commands, async plugins included
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use plugin_factory::cli::{Command, Options, Runner};
use plugin_factory::executor::Tokio;
use plugin_factory::{AsyncPlugin, Context, ManagerBuilder, PluginError, plugin};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

plugin_factory::link_plugins!();

/// The address `listener` listens on: the service its dependents connect to.
#[derive(Debug, Clone, Copy)]
struct Listening(SocketAddr);

/// Accepts connections on a loopback port and answers each with a greeting.
#[plugin(
    name = "listener",
    version = "1.0.0",
    description = "Greets TCP connections on a loopback port"
)]
#[derive(Default)]
struct Listener {
    accepting: Option<JoinHandle<()>>,
}

impl AsyncPlugin for Listener {
    async fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let socket = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = socket.local_addr()?;
        // Kept in `self` at once: a cancelled start leaves it for `shutdown` and `Drop`.
        self.accepting = Some(tokio::spawn(async move {
            let mut served = 0u64;
            while let Ok((mut stream, _)) = socket.accept().await {
                served += 1;
                let greeting = format!("hello #{served} from listener\n");
                let _ = stream.write_all(greeting.as_bytes()).await;
            }
        }));
        ctx.provide(Arc::new(Listening(address)))
            .map_err(PluginError::other)?;
        log::info!(target: ctx.log_target(), "listening on {address}");
        Ok(())
    }

    async fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        stop_task(self.accepting.take()).await;
        log::info!(target: ctx.log_target(), "no longer listening");
        Ok(())
    }
}

/// Ticks on a timer; its dependents watch the tick count.
#[plugin(name = "ticker", version = "1.0.0", description = "Ticks every 200 ms")]
struct Ticker {
    ticks: watch::Sender<u64>,
    ticking: Option<JoinHandle<()>>,
}

impl Default for Ticker {
    fn default() -> Self {
        Self {
            ticks: watch::channel(0).0,
            ticking: None,
        }
    }
}

impl AsyncPlugin for Ticker {
    async fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        ctx.provide(Arc::new(self.ticks.subscribe()))
            .map_err(PluginError::other)
    }

    async fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        let ticks = self.ticks.clone();
        self.ticking = Some(tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(200));
            loop {
                interval.tick().await;
                ticks.send_modify(|count| *count += 1);
            }
        }));
        Ok(())
    }

    async fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        stop_task(self.ticking.take()).await;
        Ok(())
    }
}

/// On every tick, connects to the listener and logs what it says.
#[plugin(
    name = "prober",
    version = "1.0.0",
    description = "Probes the listener on every tick",
    depends_on = ["listener", "ticker"]
)]
#[derive(Default)]
struct Prober {
    probing: Option<JoinHandle<()>>,
}

impl AsyncPlugin for Prober {
    async fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let Listening(address) = *ctx
            .service::<Listening>("listener")
            .map_err(PluginError::other)?;
        let mut ticks = ctx
            .service::<watch::Receiver<u64>>("ticker")
            .map_err(PluginError::other)?
            .as_ref()
            .clone();
        let target = ctx.log_target();
        self.probing = Some(tokio::spawn(async move {
            while ticks.changed().await.is_ok() {
                let tick = *ticks.borrow_and_update();
                match probe(address).await {
                    Ok(greeting) => {
                        log::info!(target: target, "tick {tick}: {}", greeting.trim_end())
                    }
                    Err(error) => log::warn!(target: target, "tick {tick}: {error}"),
                }
            }
        }));
        Ok(())
    }

    async fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        stop_task(self.probing.take()).await;
        Ok(())
    }
}

/// Connects to `address` and reads its greeting.
async fn probe(address: SocketAddr) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(address).await?;
    let mut greeting = String::new();
    stream.read_to_string(&mut greeting).await?;
    Ok(greeting)
}

/// Aborts a plugin's task and waits until it has ended.
async fn stop_task(task: Option<JoinHandle<()>>) {
    if let Some(task) = task {
        task.abort();
        let _ = task.await;
    }
}

/// The async host's command line: the plugin commands of `plugin_factory::cli` (`check`,
/// `list`, `info`, `graph`, `health`, `run`, ...), which judge the async plugins as `run` runs
/// them, and without one, the demo.
#[derive(Parser)]
#[command(
    name = "async_host",
    about = "Runs the async example plugins beside the sync ones, or inspects them",
    after_help = "Without a subcommand, runs the demo until Ctrl-C (or for --run-for SECONDS), then \
                  shuts down within a grace period.\n\n\
                  Examples:\n  async_host --run-for 2\n  async_host check\n  async_host list\n  \
                  async_host run --grace 5 --mercy 2"
)]
struct AsyncHostCli {
    #[command(flatten)]
    options: Options,
    /// Runs the demo this many seconds instead of until Ctrl-C.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    run_for: Option<Duration>,
    #[command(subcommand)]
    command: Option<Command>,
}

fn main() -> ExitCode {
    let cli = AsyncHostCli::parse();
    let runner = Runner::new().app(AsyncHostCli::command);
    if let Some(command) = &cli.command {
        plugin_factory::cli::init_logging(&cli.options);
        plugin_factory::observe::log_plugin_panics();
        // The commands make their own runtime: they are called outside of one.
        return runner.run(command, &cli.options).into();
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    plugin_factory::observe::log_plugin_panics();
    let demo = tokio::runtime::Runtime::new().map_err(Into::into);
    // The demo runs what the common options describe (`--config`, `--set`, `--disable`, ...).
    let builder = demo.and_then(|runtime| Ok((runtime, runner.builder(&cli.options)?)));
    match builder.and_then(|(runtime, builder)| runtime.block_on(demo_run(builder, cli.run_for))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The demo: everything `builder` describes started, run until Ctrl-C or for `run_for`, shut
/// down within 5 s of grace and 2 s of mercy.
async fn demo_run(
    builder: ManagerBuilder,
    run_for: Option<Duration>,
) -> Result<(), Box<dyn std::error::Error>> {
    let manager = builder
        .time_hooks(true)
        .discover()?
        .into_async(Tokio)
        .hook_timeout(Duration::from_secs(5));
    let running = manager.validate().await?.init().await?.start().await?;
    let live: Vec<String> = running.live().iter().map(|name| name.to_string()).collect();
    example_plugins::say!("running: {}", live.join(", "));

    match run_for {
        Some(time) => tokio::time::sleep(time).await,
        None => {
            example_plugins::say!("press Ctrl-C to shut down");
            tokio::signal::ctrl_c().await?;
        }
    }
    example_plugins::say!("shutting down (grace 5 s, mercy 2 s)");
    let report = running
        .shutdown_within(Duration::from_secs(5), Duration::from_secs(2))
        .await;
    example_plugins::say!("{}", report.to_string().trim_end());
    Ok(())
}

/// A number of seconds for `--run-for` (`2`, `0.5`).
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("expected a number of seconds, e.g. 2 or 0.5, found {text:?}"))
}
