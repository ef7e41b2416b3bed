//! The command line (`plugin_factory::cli`): each subcommand in text and JSON, run in process
//! on the example plugins with its output compared line by line, and the real host binary for
//! exit codes and usage errors. The binary tests need `target/debug/examples/host`, which
//! `cargo test --workspace` builds (with `--test it` alone, build it first:
//! `cargo build --example host`).

use std::path::PathBuf;
use std::process::{Command as Process, Output};

use plugin_factory::cli::{Command, ConfigCommand, Exit, Io, Options, OutputFormat, Runner, Style};
use plugin_factory::registry;
use plugin_factory::testing::assert_lines;
use serde_json::Value;

use crate::support::example;

/// A runner over the example plugins (the binary links the other modules' test kinds too), as
/// the host example's command line is.
fn runner() -> Runner {
    let examples =
        registry::entries().filter(|entry| entry.metadata().package() == "example-plugins");
    Runner::new().entries(examples)
}

/// Runs `command` in process: the exit, stdout and stderr.
fn run(command: Command, options: &Options) -> (Exit, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = runner().run_to(&command, options, &mut Io::new(&mut out, &mut err));
    (
        exit,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn json() -> Options {
    Options {
        format: OutputFormat::Json,
        ..Options::default()
    }
}

fn parse(text: &str) -> Value {
    let document: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(document["format"], 1, "{text}");
    document
}

#[test]
fn list_shows_every_instance_with_its_state_dependencies_and_extension_points() {
    let (exit, out, err) = run(Command::List, &Options::default());
    assert_eq!(exit, Exit::Success, "{err}");
    assert_lines(
        &out,
        "plugin     kind       version  enabled  state      depends on      package          implements  reason
         audit-log  audit-log  0.1.0    yes      validated  kv-store >=0.1  example-plugins  AuditSink
         clock      clock      0.1.0    yes      validated  -               example-plugins  -
         greeter    greeter    0.1.0    yes      validated  -               example-plugins  -
         kv-store   kv-store   0.1.0    yes      validated  -               example-plugins  -",
    );
}

#[test]
fn list_as_json_names_left_out_instances_and_kinds_without_one() {
    let options = Options {
        disable: vec!["clock".to_owned()],
        set: vec![
            ("run_unlisted".to_owned(), "false".to_owned()),
            ("plugins.kv-main.kind".to_owned(), "kv-store".to_owned()),
        ],
        ..json()
    };
    let (exit, out, err) = run(Command::List, &options);
    assert_eq!(exit, Exit::Success, "{err}");
    let document = parse(&out);
    let plugins = document["plugins"].as_array().unwrap();
    let find = |name: &str| {
        plugins
            .iter()
            .find(|plugin| plugin["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {out}"))
    };
    assert_eq!(find("clock")["enabled"], false);
    assert_eq!(find("clock")["state"], "registered");
    assert_eq!(find("kv-main")["kind"], "kv-store");
    assert_eq!(find("kv-main")["state"], "validated");
    // Only listed instances run: `greeter` and `audit-log` have none, and say so.
    assert_eq!(find("greeter")["state"], Value::Null);
    assert_eq!(find("audit-log")["implements"][0], "AuditSink");
    assert_eq!(find("audit-log")["depends_on"][0], "kv-store >=0.1");
    assert_eq!(
        find("audit-log")["reason"],
        "the configuration names no instance of this kind"
    );
    assert!(
        !plugins.iter().any(|plugin| plugin["name"] == "kv-store"),
        "{out}"
    );
}

#[test]
fn info_tells_everything_about_one_instance() {
    let options = Options {
        set: vec![
            ("plugins.kv-main.kind".to_owned(), "kv-store".to_owned()),
            ("plugins.kv-main.config.capacity".to_owned(), "7".to_owned()),
        ],
        ..Options::default()
    };
    let (exit, out, err) = run(
        Command::Info {
            name: "kv-main".to_owned(),
            health: false,
        },
        &options,
    );
    assert_eq!(exit, Exit::Success, "{err}");
    let head: Vec<&str> = out.lines().take(6).collect();
    assert_eq!(head[0], "name: kv-main");
    assert_eq!(head[1], "kind: kv-store");
    assert!(out.contains("dependents: audit-log"), "{out}");
    assert!(out.contains("on failure: exclude"), "{out}");
    // The config in effect, with where each value came from.
    assert!(
        out.contains("config:\n  capacity = 7  # override plugins.kv-main.config.capacity\n"),
        "{out}"
    );
    assert!(out.contains("\"KvStoreConfig\""), "the schema: {out}");
    assert!(!out.contains("health:"), "not started, not checked: {out}");

    let (_, out, _) = run(
        Command::Info {
            name: "kv-main".to_owned(),
            health: true,
        },
        &Options {
            format: OutputFormat::Json,
            ..options
        },
    );
    let document = parse(&out);
    assert_eq!(document["state"], "validated");
    // Typed as the config type reads it: a number, not the text given.
    assert_eq!(document["config"], serde_json::json!({ "capacity": 7 }));
    assert_eq!(
        document["config_origins"]["capacity"],
        "override plugins.kv-main.config.capacity"
    );
    assert_eq!(document["health"], "healthy");
    assert_eq!(
        document["config_schema"]["$defs"]["KvStoreConfig"]["type"],
        "object"
    );
}

#[test]
fn info_on_an_unknown_name_suggests_the_nearest_and_lists_the_known_ones() {
    let (exit, out, err) = run(
        Command::Info {
            name: "kv-stor".to_owned(),
            health: false,
        },
        &Options::default(),
    );
    assert_eq!(exit, Exit::Invalid);
    assert!(out.is_empty());
    assert_eq!(
        err.trim(),
        "error: no plugin or kind is called \"kv-stor\"; did you mean \"kv-store\"? \
         known: audit-log, clock, greeter, kv-store"
    );
}

#[test]
fn check_passes_a_valid_setup_and_names_every_problem_of_another() {
    let (exit, out, _) = run(Command::Check, &Options::default());
    assert_eq!(exit, Exit::Success);
    assert_lines(&out, "ok: 4 plugins valid");

    let options = Options {
        disable: vec!["kv-store".to_owned()],
        set: vec![(
            "plugins.greeter.config.shout".to_owned(),
            "loudly".to_owned(),
        )],
        ..Options::default()
    };
    let (exit, out, _) = run(Command::Check, &options);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        out.contains("excluded: audit-log: depends on \"kv-store\", which is not enabled"),
        "{out}"
    );
    assert!(
        out.contains("excluded: greeter: invalid configuration: plugins.greeter.config.shout"),
        "{out}"
    );

    let (exit, out, _) = run(
        Command::Check,
        &Options {
            format: OutputFormat::Json,
            ..options
        },
    );
    assert_eq!(exit, Exit::Invalid);
    let document = parse(&out);
    assert_eq!(document["valid"], false);
    assert_eq!(document["excluded"].as_array().unwrap().len(), 2, "{out}");
}

#[test]
fn check_passes_when_the_instance_whose_config_is_wrong_is_disabled() {
    let wrong = (
        "plugins.greeter.config.shout".to_owned(),
        "loudly".to_owned(),
    );
    let options = Options {
        disable: vec!["greeter".to_owned()],
        set: vec![wrong],
        ..Options::default()
    };
    let (exit, out, _) = run(Command::Check, &options);
    assert_eq!(exit, Exit::Success, "{out}");
    assert_lines(&out, "ok: 3 plugins valid");
    let (exit, out, _) = run(Command::List, &json_with(&options));
    assert_eq!(exit, Exit::Success);
    let document = parse(&out);
    let greeter = document["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|plugin| plugin["name"] == "greeter")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(greeter["enabled"], false, "{out}");
    assert!(greeter["reason"].is_null(), "{out}");
}

fn json_with(options: &Options) -> Options {
    Options {
        format: OutputFormat::Json,
        ..options.clone()
    }
}

#[test]
fn check_as_json_is_a_stable_document() {
    let options = Options {
        set: vec![("plugins.greeter.config.shout".to_owned(), "loud".to_owned())],
        ..json()
    };
    let (exit, out, _) = run(Command::Check, &options);
    assert_eq!(exit, Exit::Invalid);
    assert_lines(
        &out,
        r#"{
             "config_problems": [],
             "excluded": [
               {
                 "plugin": "greeter",
                 "reason": "invalid configuration: plugins.greeter.config.shout: invalid type: string \"loud\", expected a boolean (at override plugins.greeter.config.shout)"
               }
             ],
             "format": 1,
             "unlinked": [],
             "valid": false
           }"#,
    );
}

#[test]
fn a_broken_configuration_file_is_an_error_with_its_place() {
    let path = std::env::temp_dir().join(format!("plugin-factory-cli-{}.toml", std::process::id()));
    std::fs::write(&path, "[plugins.greeter\nconfig = 1\n").unwrap();
    let options = Options {
        config: Some(path.clone()),
        ..Options::default()
    };
    let (exit, out, err) = run(Command::Check, &options);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(exit, Exit::Invalid);
    assert!(out.is_empty());
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(&format!("{}:1:", path.display())), "{err}");
}

#[test]
fn graph_draws_dependencies_in_dot_and_mermaid() {
    let (exit, out, _) = run(Command::Graph { style: Style::Dot }, &Options::default());
    assert_eq!(exit, Exit::Success);
    assert_lines(
        &out,
        "digraph plugins {
           rankdir=LR;
           node [shape=box];
           n0 [label=\"audit-log\"];
           n1 [label=\"clock\"];
           n2 [label=\"greeter\"];
           n3 [label=\"kv-store\"];
           n0 -> n3;
         }",
    );
    let options = Options {
        set: vec![
            ("plugins.kv-a.kind".to_owned(), "kv-store".to_owned()),
            ("plugins.kv-b.kind".to_owned(), "kv-store".to_owned()),
        ],
        ..Options::default()
    };
    let (_, out, _) = run(
        Command::Graph {
            style: Style::Mermaid,
        },
        &options,
    );
    assert!(
        out.starts_with("flowchart LR\n  subgraph kv-store\n"),
        "{out}"
    );
    // Two stores and no binding: the audit log is excluded, and drawn so.
    assert!(out.contains(":::excluded"), "{out}");
    assert!(out.contains("which has several instances"), "{out}");

    let (_, out, _) = run(Command::Graph { style: Style::Dot }, &json());
    let document = parse(&out);
    assert_eq!(document["edges"][0]["from"], "audit-log");
    assert_eq!(document["edges"][0]["to"], "kv-store");
}

#[test]
fn health_starts_checks_and_stops() {
    let (exit, out, _) = run(Command::Health, &Options::default());
    assert_eq!(exit, Exit::Success);
    assert!(out.ends_with("overall: healthy\n"), "{out}");
    let (_, out, _) = run(Command::Health, &json());
    let document = parse(&out);
    assert_eq!(document["overall"], "healthy");
    assert_eq!(document["plugins"].as_array().unwrap().len(), 4);
}

#[test]
fn config_schema_is_the_configuration_s_json_schema() {
    let schema = Command::Config {
        command: ConfigCommand::Schema,
    };
    let (exit, out, _) = run(schema, &Options::default());
    assert_eq!(exit, Exit::Success);
    let schema: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        schema["x-kinds"],
        serde_json::json!(["audit-log", "clock", "greeter", "kv-store"])
    );
}

/// A configuration file for one test, removed when dropped.
struct TempConfig(PathBuf);

impl TempConfig {
    fn new(name: &str, text: &str) -> Self {
        Self::with_extension(name, "toml", text)
    }

    fn with_extension(name: &str, extension: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "plugin-factory-cli-{}-{name}.{extension}",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn write(&self, text: &str) {
        std::fs::write(&self.0, text).unwrap();
    }
}

impl Drop for TempConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn show(origin: bool, written_as: Option<plugin_factory::config::Format>) -> Command {
    Command::Config {
        command: ConfigCommand::Show { origin, written_as },
    }
}

#[test]
fn config_show_writes_the_configuration_in_effect_with_where_each_value_came_from() {
    let file = TempConfig::with_extension(
        "show",
        "yaml",
        "plugins:\n  greeter:\n    config:\n      greeting: Hi\n  kv-main:\n    kind: kv-store\n",
    );
    let path = file.0.display().to_string();
    let options = Options {
        config: Some(file.0.clone()),
        set: vec![("plugins.kv-main.config.capacity".into(), "30".into())],
        disable: vec!["clock".into()],
        ..Options::default()
    };
    let (exit, out, err) = run(show(true, None), &options);
    assert_eq!(exit, Exit::Success, "{err}");
    // YAML, as the file is; every layer and default, each value's origin beside it.
    assert_lines(
        &out,
        &format!(
            "run_unlisted: true  # default
             plugins:  # {path}:2:3
               greeter:  # {path}:3:5
                 kind: \"greeter\"  # default
                 enabled: true  # default
                 config:  # {path}:4:7
                   greeting: \"Hi\"  # {path}:4:17
                   shout: false  # default
               kv-main:  # {path}:6:5
                 kind: \"kv-store\"  # {path}:6:11
                 enabled: true  # default
                 config:  # override plugins.kv-main.config.capacity
                   capacity: 30  # override plugins.kv-main.config.capacity
               clock:  # override plugins.clock.enabled
                 kind: \"clock\"  # default
                 enabled: false  # override plugins.clock.enabled
               audit-log:  # unlisted kind
                 kind: \"audit-log\"  # unlisted kind
                 enabled: true  # unlisted kind"
        ),
    );

    // What it writes, without origins, reads back as the same configuration, in each format.
    for (format, extension) in [
        (plugin_factory::config::Format::Toml, "toml"),
        (plugin_factory::config::Format::Json, "json"),
        (plugin_factory::config::Format::Yaml, "yaml"),
    ] {
        let (_, written, _) = run(show(false, Some(format)), &options);
        let again = TempConfig::with_extension("show-again", extension, &written);
        let reread = Options {
            config: Some(again.0.clone()),
            ..Options::default()
        };
        let (exit, out, err) = run(show(false, Some(format)), &reread);
        assert_eq!(exit, Exit::Success, "{err}");
        assert_eq!(out, written, "{extension}");
    }

    // JSON for scripts: typed values (the override's text is a number) and origins by key path.
    let (_, out, _) = run(
        show(true, None),
        &Options {
            format: OutputFormat::Json,
            ..options
        },
    );
    let document = parse(&out);
    let config = &document["config"]["plugins"];
    assert_eq!(config["kv-main"]["config"]["capacity"], 30);
    assert_eq!(config["clock"]["enabled"], false);
    let origins = &document["origins"];
    assert_eq!(
        origins["plugins.greeter.config.greeting"],
        format!("{path}:4:17")
    );
    assert_eq!(origins["plugins.greeter.config.shout"], "default");
    assert_eq!(origins["plugins.audit-log.kind"], "unlisted kind");
}

#[test]
fn config_show_leaves_a_disabled_instance_s_config_as_given() {
    // `count` is no key of the greeter's config: read, it would be a problem; disabled, it is
    // not read, so it is shown as given (text, not typed), with no defaults added.
    let options = Options {
        set: vec![
            ("plugins.greeter.enabled".into(), "false".into()),
            ("plugins.greeter.config.count".into(), "30".into()),
        ],
        ..json()
    };
    let (exit, out, err) = run(show(true, None), &options);
    assert_eq!(exit, Exit::Success, "{err}");
    let document = parse(&out);
    let greeter = &document["config"]["plugins"]["greeter"];
    assert_eq!(greeter["enabled"], false);
    assert_eq!(greeter["config"], serde_json::json!({ "count": "30" }));
}

#[test]
fn config_plan_says_what_a_file_would_change_and_refuses_a_bad_one() {
    let next = TempConfig::new(
        "plan",
        "[plugins.greeter.config]\ngreeting = \"Hi\"\n[plugins.clock]\nenabled = false\n",
    );
    let plan = || Command::Config {
        command: ConfigCommand::Plan {
            file: next.0.clone(),
        },
    };
    let (exit, out, err) = run(plan(), &Options::default());
    assert_eq!(exit, Exit::Success, "{err}");
    assert_lines(
        &out,
        "- clock (clock): remove
         ~ greeter (greeter): reconfigure
         2 unchanged",
    );
    let (_, out, _) = run(plan(), &json());
    let document = parse(&out);
    assert_eq!(document["changes"][0]["change"], "remove");
    assert_eq!(
        document["unchanged"],
        serde_json::json!(["kv-store", "audit-log"])
    );

    next.write("[plugins.greeter.config]\ngreeting = 3\n");
    let (exit, out, err) = run(plan(), &Options::default());
    assert_eq!(exit, Exit::Invalid);
    assert!(out.is_empty());
    assert!(err.contains("cannot be applied"), "{err}");
    assert!(err.contains("plugins.greeter.config.greeting"), "{err}");
}

#[test]
fn completions_describe_the_command_line() {
    let (exit, out, _) = run(
        Command::Completions {
            shell: clap_complete::Shell::Bash,
        },
        &Options::default(),
    );
    assert_eq!(exit, Exit::Success);
    assert!(out.contains("complete -F"), "{out}");
    for word in ["list", "graph", "plan"] {
        assert!(out.contains(word), "{word}");
    }
    // Registered for the program that runs (this test binary), not for the library's name.
    let program = std::env::current_exe().unwrap();
    let program = program.file_name().unwrap().to_str().unwrap();
    let registration = out.lines().rfind(|line| line.contains("complete -F"));
    assert!(
        registration.is_some_and(|line| line.ends_with(&format!(" {program}"))),
        "{registration:?}"
    );
    assert!(!out.contains("plugin-factory"), "{out}");
}

#[test]
fn verbosity_sets_the_default_log_level() {
    let level = |verbose, quiet| {
        Options {
            verbose,
            quiet,
            ..Options::default()
        }
        .log_level()
    };
    use log::LevelFilter::{Debug, Error, Info, Off, Trace, Warn};
    assert_eq!(
        [
            level(0, 0),
            level(1, 0),
            level(2, 0),
            level(3, 0),
            level(0, 1),
            level(0, 2)
        ],
        [Warn, Info, Debug, Trace, Error, Off]
    );
}

/// The host example, as built by `cargo test --workspace`.
fn host() -> PathBuf {
    example("host")
}

/// The commands make a runtime of their own: called from inside one, they say so and exit 1
/// instead of panicking in tokio.
#[test]
fn the_commands_refuse_to_run_inside_an_async_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for command in [Command::Check, Command::List, Command::Health] {
        let (exit, out, err) = runtime.block_on(async { run(command, &Options::default()) });
        assert_eq!(exit, Exit::Invalid);
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("call `Runner::run` outside of one"), "{err}");
    }
}

/// In a host that mixes async plugins (`listener`, `ticker`, `prober`) with sync ones, every
/// command judges the set that `run` runs: no async plugin is excluded, `check` passes, and
/// `health` starts and checks them all.
#[test]
fn every_command_of_a_host_with_async_plugins_judges_them_as_run_does() {
    let async_host = |args: &[&str]| {
        Process::new(example("async_host"))
            .args(args)
            .output()
            .unwrap()
    };
    let text = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();
    // The example plugins print as they start and stop: the document follows what they said.
    let document = |output: &Output| {
        let out = text(output);
        let begins = out.find("\n{").map_or(0, |at| at + 1);
        parse(&out[begins..])
    };
    let asynchronous = ["listener", "prober", "ticker"];

    let checked = async_host(&["check"]);
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(text(&checked), "ok: 7 plugins valid\n");

    let listed = parse(&text(&async_host(&["--format", "json", "list"])));
    let plugins = listed["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 7, "{listed}");
    for plugin in plugins {
        assert_eq!(plugin["state"], "validated", "{plugin}");
        assert_eq!(plugin["reason"], serde_json::Value::Null, "{plugin}");
    }
    for name in asynchronous {
        assert!(
            plugins.iter().any(|plugin| plugin["name"] == name),
            "{name}"
        );
    }

    let info = document(&async_host(&[
        "--format", "json", "info", "prober", "--health",
    ]));
    assert_eq!(info["state"], "validated", "{info}");
    assert_eq!(info["health"], "healthy", "{info}");

    let graph = text(&async_host(&["graph"]));
    assert!(
        graph.contains("n5 -> n4;") && graph.contains("n5 -> n6;"),
        "{graph}"
    );
    assert!(!graph.contains("excluded"), "{graph}");

    let health = async_host(&["--format", "json", "health"]);
    assert_eq!(health.status.code(), Some(0));
    let health = document(&health);
    assert_eq!(health["overall"], "healthy", "{health}");
    let checked: Vec<&str> = health["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|plugin| plugin["plugin"].as_str().unwrap())
        .collect();
    for name in asynchronous {
        assert!(checked.contains(&name), "{name}: {checked:?}");
    }
}

fn host_run(args: &[&str]) -> Output {
    Process::new(host()).args(args).output().unwrap()
}

#[test]
fn config_show_prints_what_docs_cli_md_shows() {
    let docs = include_str!("../../docs/cli.md");
    let section = &docs[docs.find("### `config show`").unwrap()..];
    let example = &section[section.find("```text\n$ ").unwrap() + "```text\n".len()..];
    let example = &example[..example.find("```").unwrap()];
    let (head, tail) = example.split_once("\n...\n").unwrap();
    // The command: its lines after `$`, joined where they end in `\`.
    let (command, head) = head.split_once("config show --origin\n").unwrap();
    let command = format!("{command}config show --origin").replace("\\\n", " ");
    let args: Vec<&str> = command
        .split_whitespace()
        .skip_while(|word| *word != "--")
        .skip(1)
        .collect();
    let output = host_run(&args);
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(out.starts_with(head), "{args:?}\n{out}");
    assert!(out.ends_with(tail), "{args:?}\n{out}");
}

#[test]
fn the_host_binary_runs_the_subcommands_with_exit_codes() {
    let listed = host_run(&["list"]);
    assert!(listed.status.success());
    let out = String::from_utf8_lossy(&listed.stdout);
    assert!(out.contains("store-stats  store-stats"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour into a pipe: {out}");

    let checked = host_run(&["--format", "json", "check", "--disable", "kv-store"]);
    assert_eq!(checked.status.code(), Some(1));
    let document = parse(&String::from_utf8_lossy(&checked.stdout));
    assert_eq!(document["valid"], false);

    let unknown = host_run(&["info", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("no plugin or kind is called \"nope\""),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn every_subcommand_runs_in_the_real_binary_in_both_formats() {
    let commands: [&[&str]; 7] = [
        &["list"],
        &["info", "kv-store"],
        &["check"],
        &["graph"],
        &["graph", "--style", "mermaid"],
        &["health"],
        &["config", "schema"],
    ];
    for command in commands {
        for format in ["text", "json"] {
            let mut args = vec!["--format", format];
            args.extend(command);
            let done = host_run(&args);
            let out = String::from_utf8_lossy(&done.stdout);
            let err = String::from_utf8_lossy(&done.stderr);
            assert_eq!(done.status.code(), Some(0), "{args:?}: {err}");
            if format == "json" {
                // Plugins print to stdout when they start: the document is the last part.
                let start = out.find("{\n").unwrap_or_else(|| panic!("{args:?}: {out}"));
                parse(&out[start..]);
            } else {
                assert!(!out.trim().is_empty(), "{args:?}");
            }
        }
    }
}

#[test]
fn the_host_binary_refuses_bad_arguments_with_usage() {
    for args in [
        &["bogus"][..],
        &["list", "--format", "xml"],
        &["--set", "no-equals", "list"],
        &["run", "--grace", "soon"],
        &["run", "--mercy", "-1"],
        // `clap` cannot require a global option of a subcommand's flag: the runner checks it.
        #[cfg(unix)]
        &["run", "--watch"],
    ] {
        let refused = host_run(args);
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains("--help"), "{args:?}: {err}");
    }
    let help = host_run(&["--help"]);
    assert!(help.status.success());
    let out = String::from_utf8_lossy(&help.stdout);
    for word in [
        "list",
        "info",
        "check",
        "graph",
        "health",
        "config",
        "run",
        "completions",
        "Examples:",
    ] {
        assert!(out.contains(word), "{word}: {out}");
    }
}

#[cfg(unix)]
#[test]
fn run_watch_without_a_configuration_file_is_a_usage_error() {
    let watch = Command::Run {
        grace: std::time::Duration::from_secs(5),
        mercy: std::time::Duration::from_secs(2),
        watch: true,
    };
    let (exit, out, err) = run(watch, &Options::default());
    assert_eq!(exit, Exit::Usage);
    assert_eq!(exit.code(), 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("--config <PATH>"), "{err}");
}

#[cfg(unix)]
#[test]
fn run_hands_the_running_manager_to_the_on_running_hook() {
    use example_plugins::points::AuditSink;
    use std::sync::{Arc, Mutex};

    // What the hook saw: the live plugins, and how many the handle's call reached.
    let seen = Arc::new(Mutex::new(None::<(Vec<String>, usize)>));
    let kept = Arc::clone(&seen);
    let runner = runner().on_running(move |manager| {
        // What a host keeps for its own threads: a handle, called here once.
        let audit = manager.extension_handle::<dyn AuditSink>();
        let calls = audit
            .extension()
            .call(|sink| sink.record("host", "up"))
            .unwrap();
        let live = manager.live().iter().map(ToString::to_string).collect();
        *kept.lock().unwrap() = Some((live, calls.reached()));
        // Then stop `run` as an operator would: its handler is installed before the hook runs.
        let sent = Process::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    });
    let command = Command::Run {
        grace: std::time::Duration::from_secs(5),
        mercy: std::time::Duration::from_secs(2),
        watch: false,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = runner.run_to(
        &command,
        &Options::default(),
        &mut Io::new(&mut out, &mut err),
    );
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(exit, Exit::Success, "{out}\n{err}");
    assert!(out.contains("stopping (signal 15)"), "{out}");
    let (live, reached) = seen.lock().unwrap().clone().expect("the hook ran");
    assert_eq!(live, ["clock", "greeter", "kv-store", "audit-log"]);
    assert_eq!(reached, 1, "audit-log implements AuditSink");
}

/// Runs the host binary with `args` and a watchdog: a command that has not ended after 60 s
/// is killed and fails the test (a hang, not a slow machine).
fn host_watched(command: &mut Process) -> Output {
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} did not end within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    Output {
        status,
        stdout: Vec::new(),
        stderr: reader.join().unwrap().into_bytes(),
    }
}

#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    let commands: [&[&str]; 10] = [
        &["completions", "bash"],
        &["completions", "zsh"],
        &["list"],
        &["info", "kv-store"],
        &["check"],
        &["graph"],
        &["health"],
        &["config", "schema"],
        &["--format", "json", "list"],
        // The host's own job, with the plugins printing as they start and stop.
        &[],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        // The reader has gone before the first line is written.
        drop(reader);
        let done = host_watched(Process::new(host()).args(args).stdout(writer));
        let err = String::from_utf8_lossy(&done.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(done.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// A variable that is not UTF-8.
#[cfg(unix)]
fn not_utf8(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(bytes.to_vec())
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8_is_ignored_outside_the_prefix_and_named_under_it() {
    let config = TempConfig::new("env", "[plugins.greeter.config]\ngreeting = \"Hi\"\n");
    let path = config.0.to_str().unwrap();
    let outside = host_watched(
        Process::new(host())
            .args(["--config", path, "check"])
            .env("UNRELATED_VARIABLE", not_utf8(b"caf\xe9"))
            .stdout(std::process::Stdio::null()),
    );
    assert_eq!(
        outside.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&outside.stderr)
    );
    let under = host_watched(
        Process::new(host())
            .args(["--config", path, "check"])
            .env(
                "HOST__PLUGINS__GREETER__CONFIG__GREETING",
                not_utf8(b"caf\xe9"),
            )
            .stdout(std::process::Stdio::null()),
    );
    assert_eq!(under.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&under.stderr),
        "error: invalid configuration: (top level): the variable's value is not UTF-8 text (at environment variable HOST__PLUGINS__GREETER__CONFIG__GREETING)\n"
    );
}

#[test]
fn health_exits_1_on_an_invalid_configuration_and_starts_nothing() {
    let config = TempConfig::new(
        "health",
        "[plugins.greeter.config]\ngretting = \"Hi\"\n[plugins.nope]\n",
    );
    let done = host_run(&["--config", config.0.to_str().unwrap(), "health"]);
    assert_eq!(done.status.code(), Some(1));
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(!out.contains("Hello"), "nothing starts: {out}");
    assert!(!out.contains("overall"), "{out}");
    let err = String::from_utf8_lossy(&done.stderr);
    // The log's lines start with their time in brackets; the command's own follow.
    let err: Vec<&str> = err.lines().filter(|line| !line.starts_with('[')).collect();
    assert_eq!(
        err[0],
        "error: the configuration is invalid; nothing was started:"
    );
    assert!(
        err[1].starts_with("  plugins.nope: unknown kind \"nope\""),
        "{err:?}"
    );
    assert!(
        err[2].starts_with("  greeter: invalid configuration: plugins.greeter.config.gretting: unknown key `gretting`; did you mean `greeting`?"),
        "{err:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_the_configuration_is_refused_at_once() {
    let dir = std::env::temp_dir().join(format!("pf-cli-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("host.toml");
    let _ = std::fs::remove_file(&fifo);
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Nobody ever writes to it: `check` waiting for a writer would hang.
    for command in [&["check"][..], &["health"], &["config", "plan", "x.toml"]] {
        let done = host_watched(
            Process::new(host())
                .arg("--config")
                .arg(&fifo)
                .args(command)
                .stdout(std::process::Stdio::null()),
        );
        assert_eq!(done.status.code(), Some(1), "{command:?}");
        assert_eq!(
            String::from_utf8_lossy(&done.stderr),
            format!(
                "error: {} is a FIFO, not a regular file: a configuration is read from a regular file\n",
                fifo.display()
            ),
            "{command:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The hostile files of issue 25's report, each about 1 MB, read by the host binary under a
/// 1 GiB address-space limit (`ulimit -v`): each ends with its verdict, never with an
/// allocation failure or a crash.
#[cfg(unix)]
#[test]
fn hostile_files_are_read_within_bounded_memory() {
    let dir = std::env::temp_dir().join(format!("pf-cli-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Anchors nested a hundred deep around a list of 250,000 items, and no alias: each
    // anchor once copied the whole list.
    let opening: String = (0..100).map(|i| format!("&a{i} [")).collect();
    let anchors = format!(
        "plugins: {{}}\nnested: {opening}{}0{}\n",
        "0, ".repeat(250_000),
        "]".repeat(100)
    );
    // One line of JSON, a megabyte long: each value's column was counted from the line's
    // start.
    let items: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\": {i}")).collect();
    let long_line = format!(
        "{{\"plugins\": {{\"greeter\": {{\"config\": {{{}}}}}}}}}",
        items.join(", ")
    );
    // 100,000 keys at the top: each was merged by a scan of the map.
    let wide: String = (0..100_000).map(|i| format!("k{i}: 1\n")).collect();
    // An alias to one long string, copied within the budget of values (found beside fuzzing):
    // 3 GB from 34 KB.
    let long = "x".repeat(30_000);
    let aliases = format!(
        "a: &a \"{long}\"\nb: &b [{}]\nc: [{}]\n",
        vec!["*a"; 900].join(", "),
        vec!["*b"; 100].join(", ")
    );
    // Past the size limit (a 50 MB file took 2.2 GB): refused before it is read.
    let large = format!("{{\"plugins\": {{}}, \"x\": \"{}\"}}", "y".repeat(5 << 20));
    let files = [
        ("anchors.yaml", anchors, "nested: unknown key `nested`"),
        (
            "aliases.yaml",
            aliases,
            "aliases expand to more than 4194304 bytes of text",
        ),
        (
            "large.json",
            large,
            "is larger than the limit of 4194304 bytes",
        ),
        (
            "line.json",
            long_line,
            "plugins.greeter.config.k0: unknown key `k0`",
        ),
        (
            "wide.yaml",
            format!("plugins: {{}}\n{wide}"),
            "k0: unknown key `k0`",
        ),
    ];
    let mut paths: Vec<(std::path::PathBuf, &str)> = files
        .iter()
        .map(|(name, text, expected)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            (path, *expected)
        })
        .collect();
    // A device that never ends, behind a name that says JSON: refused before it is read.
    let zero = dir.join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    paths.push((zero, "is a character device, not a regular file"));
    for (path, expected) in paths {
        let name = path.display();
        let done = host_watched(
            Process::new("sh")
                .args(["-c", "ulimit -v 1048576 && exec \"$0\" \"$@\""])
                .arg(host())
                .arg("--config")
                .arg(&path)
                .arg("check")
                .stdout(std::process::Stdio::null()),
        );
        let err = String::from_utf8_lossy(&done.stderr);
        assert!(!err.contains("memory allocation"), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(expected),
            "{name}: {}",
            &err[..err.len().min(2000)]
        );
        assert_eq!(done.status.code(), Some(1), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every exit code in `docs/cli.md`'s table, from the binary: the table and the code agree.
/// The message `docs/cli.md` gives that contains `needle`: a span in backticks, or a line of an
/// example; without the `…` that stands for the rest of it.
fn documented(needle: &str) -> &'static str {
    let docs = include_str!("../../docs/cli.md");
    for line in docs.lines().filter(|line| !line.starts_with("```")) {
        let mut spans = line.split('`').skip(1).step_by(2);
        if let Some(span) = spans.find(|span| span.contains(needle)) {
            return span.trim_end_matches('…').trim_end();
        }
        if !line.contains('`') && line.contains(needle) {
            return line.trim();
        }
    }
    panic!("docs/cli.md gives no message with {needle:?}")
}

#[test]
fn the_exit_codes_in_the_docs_are_the_binary_s() {
    let docs = include_str!("../../docs/cli.md");
    let table = &docs[docs.find("## Exit codes and errors").unwrap()..];
    let documented: Vec<i32> = table
        .lines()
        .skip_while(|line| !line.starts_with("| code"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(documented, [0, 1, 2, 3, 4]);
    let greeters = |n: usize| -> Vec<String> {
        (1..=n)
            .flat_map(|i| ["--set".to_owned(), format!("plugins.g{i}.kind=greeter")])
            .collect()
    };
    let capacity = ["--set", "plugins.kv-store.config.capacity=10"];
    let cases: Vec<(i32, Vec<String>)> = vec![
        (0, vec!["check".into()]),
        (
            1,
            vec!["check".into(), "--disable".into(), "kv-store".into()],
        ),
        (1, vec!["info".into(), "nope".into()]),
        (
            1,
            vec![
                "--config".into(),
                "/nonexistent/host.toml".into(),
                "list".into(),
            ],
        ),
        (2, vec!["bogus".into()]),
        // Seven greeters fill nine of the store's ten keys: degraded; eight fill it.
        (
            3,
            [
                &greeters(7)[..],
                &capacity.map(String::from),
                &["health".into()],
            ]
            .concat(),
        ),
        (
            4,
            [
                &greeters(8)[..],
                &capacity.map(String::from),
                &["health".into()],
            ]
            .concat(),
        ),
    ];
    for (code, args) in cases {
        assert!(documented.contains(&code));
        let done = host_run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            done.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
}

#[cfg(unix)]
mod signals {
    //! `run` under real signals: the host binary started, waited for, signalled with `kill`.

    use std::io::{BufRead, BufReader};
    use std::path::PathBuf;
    use std::process::{Child, ChildStdout, Command as Process, Stdio};
    use std::sync::mpsc::{self, Receiver};
    use std::thread;
    use std::time::{Duration, Instant};

    use super::{TempConfig, documented, host};

    /// The host's `run`, with its stdout and stderr lines arriving on channels.
    struct Running {
        child: Child,
        out: Receiver<String>,
        err: Receiver<String>,
    }

    fn lines<R: std::io::Read + Send + 'static>(pipe: R) -> Receiver<String> {
        let (send, receive) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        receive
    }

    impl Running {
        fn start(args: &[&str]) -> Self {
            Self::start_with(args, &[])
        }

        /// `host ARGS run RUN_ARGS`.
        fn start_with(args: &[&str], run_args: &[&str]) -> Self {
            let mut child = Process::new(host())
                .args(args)
                .arg("run")
                .args(run_args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let out: ChildStdout = child.stdout.take().unwrap();
            let err = child.stderr.take().unwrap();
            let running = Self {
                child,
                out: lines(out),
                err: lines(err),
            };
            running.wait_for_out("running: ");
            running
        }

        /// Waits (at most 20 s) for a stdout line that starts with `prefix`.
        fn wait_for_out(&self, prefix: &str) -> String {
            wait_for(&self.out, prefix)
        }

        fn wait_for_err(&self, needle: &str) -> String {
            wait_for(&self.err, needle)
        }

        fn signal(&self, name: &str) {
            let status = Process::new("kill")
                .args([&format!("-{name}"), &self.child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }

        /// Waits (at most 20 s) for the process to end; its exit code.
        fn wait(mut self) -> Option<i32> {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Some(status) = self.child.try_wait().unwrap() {
                    return status.code();
                }
                thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            panic!("the host did not end within 20 s");
        }
    }

    fn wait_for(lines: &Receiver<String>, needle: &str) -> String {
        wait_until(lines, needle, |line| line.contains(needle))
    }

    /// Waits (at most 20 s) for a line that `matches`, described as `what`.
    fn wait_until(lines: &Receiver<String>, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match lines.recv_timeout(left) {
                Ok(line) if matches(&line) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no line with {what:?} within 20 s; seen: {seen:#?}");
    }

    #[test]
    fn sigint_stops_everything_and_prints_the_final_report() {
        let running = Running::start(&[]);
        running.signal("INT");
        // Word for word as docs/cli.md shows it (with the default grace and mercy).
        let stopping = running.wait_for_out("stopping (signal 2)");
        assert_eq!(stopping, documented("stopping (signal 2)"));
        let line = running.wait_for_out("kv-store ");
        assert!(line.contains("shut down"), "{line}");
        assert_eq!(running.wait(), Some(0));
    }

    #[test]
    fn the_shutdown_after_a_signal_takes_the_grace_and_mercy_periods_given() {
        let running = Running::start_with(&[], &["--grace", "0.25", "--mercy", "1.5"]);
        running.signal("TERM");
        running.wait_for_out("stopping (signal 15) within 250ms, then 1.5s more");
        assert_eq!(running.wait(), Some(0));
    }

    #[test]
    fn a_stop_after_a_reload_of_a_fifo_stops_the_service() {
        let config = TempConfig::new(
            "fifo-hup",
            "[plugins.greeter.config]\ngreeting = \"Hello\"\n",
        );
        let path = config.0.to_str().unwrap().to_owned();
        let running = Running::start(&["--config", &path]);
        // The file is replaced by a FIFO nobody writes to: a read would wait for ever.
        std::fs::remove_file(&config.0).unwrap();
        assert!(
            Process::new("mkfifo")
                .arg(&config.0)
                .status()
                .unwrap()
                .success()
        );
        running.signal("HUP");
        let refused = running.wait_for_err(documented("reload refused"));
        assert!(
            refused.contains("is a FIFO, not a regular file"),
            "{refused}"
        );
        running.signal("TERM");
        running.wait_for_out("stopping (signal 15)");
        assert_eq!(running.wait(), Some(0));
    }

    #[test]
    fn sighup_without_a_configuration_file_changes_nothing() {
        let running = Running::start(&["--set", "plugins.clock.enabled=false"]);
        running.signal("HUP");
        let refused = running.wait_for_err("reload refused");
        assert_eq!(refused, documented("no configuration file"));
        running.signal("TERM");
        running.wait_for_out("stopping (signal 15)");
        assert_eq!(running.wait(), Some(0));
    }

    #[test]
    fn sighup_reloads_a_good_file_and_keeps_going_on_a_bad_one() {
        let config = TempConfig::new("hup", "[plugins.greeter.config]\ngreeting = \"Hello\"\n");
        let path = config.0.to_str().unwrap().to_owned();
        let running = Running::start(&["--config", &path]);

        config.write(
            "[plugins.greeter.config]\ngreeting = \"Hi\"\n[plugins.clock]\nenabled = false\n",
        );
        running.signal("HUP");
        running.wait_for_out(documented("reloaded:"));
        let live = running.wait_for_out("running: ");
        assert!(!live.contains("clock"), "{live}");

        config.write("[plugins.greeter.config\ngreeting = \"broken\"\n");
        running.signal("HUP");
        let refused = running.wait_for_err("reload refused");
        assert!(
            refused.starts_with(documented("reload refused")),
            "{refused}"
        );
        assert!(refused.contains(&path), "{refused}");

        running.signal("TERM");
        running.wait_for_out("stopping (signal 15)");
        assert_eq!(running.wait(), Some(0));
    }

    /// A configuration file alone in a directory of its own, as `run --watch` watches the
    /// directory; both removed when dropped.
    struct WatchedConfig {
        directory: PathBuf,
        file: PathBuf,
    }

    impl WatchedConfig {
        fn new(name: &str, text: &str) -> Self {
            let directory = std::env::temp_dir()
                .join(format!("plugin-factory-cli-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&directory);
            std::fs::create_dir_all(&directory).unwrap();
            let file = directory.join("host.toml");
            std::fs::write(&file, text).unwrap();
            Self { directory, file }
        }

        fn path(&self) -> String {
            self.file.to_str().unwrap().to_owned()
        }

        /// Rewrites the file in place, as `echo … > host.toml` does.
        fn write(&self, text: &str) {
            std::fs::write(&self.file, text).unwrap();
        }

        /// Replaces the file by renaming another over it, as editors and `mv` do.
        fn replace(&self, text: &str) {
            let next = self.directory.join(".host.toml.tmp");
            std::fs::write(&next, text).unwrap();
            std::fs::rename(&next, &self.file).unwrap();
        }

        /// `host --config FILE run --watch`, once it says it watches.
        fn run(&self) -> Running {
            let running = Running::start_with(&["--config", &self.path()], &["--watch"]);
            let watching = running.wait_for_out("watching ");
            assert_eq!(watching, format!("watching {} for changes", self.path()));
            running
        }
    }

    impl Drop for WatchedConfig {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.directory);
        }
    }

    const HELLO: &str = "[plugins.greeter.config]\ngreeting = \"Hello\"\n";
    const WITHOUT_CLOCK: &str =
        "[plugins.greeter.config]\ngreeting = \"Hi\"\n[plugins.clock]\nenabled = false\n";

    /// Waits for a reload after which the clock runs, or does not. A save the watch saw as two
    /// bursts reloads twice, the second time with nothing to change: the wait passes over it.
    fn reloaded_with_clock(running: &Running, clock: bool) {
        running.wait_for_out("reloaded:");
        let what = format!("running: …, with the clock {clock}");
        wait_until(&running.out, &what, |line| {
            line.starts_with("running: ") && line.contains("clock") == clock
        });
    }

    fn stop(running: Running) {
        running.signal("TERM");
        running.wait_for_out("stopping (signal 15)");
        assert_eq!(running.wait(), Some(0));
    }

    #[test]
    fn watch_reloads_a_file_rewritten_in_place() {
        let config = WatchedConfig::new("watch-write", HELLO);
        let running = config.run();
        config.write(WITHOUT_CLOCK);
        reloaded_with_clock(&running, false);
        stop(running);
    }

    #[test]
    fn watch_reloads_a_file_replaced_by_a_rename_and_keeps_watching_it() {
        let config = WatchedConfig::new("watch-rename", HELLO);
        let running = config.run();
        config.replace(WITHOUT_CLOCK);
        reloaded_with_clock(&running, false);
        // A watch on the old file would have gone with it: the new one is watched too.
        config.replace(HELLO);
        reloaded_with_clock(&running, true);
        stop(running);
    }

    #[test]
    fn watch_refuses_a_bad_file_keeps_running_and_applies_a_good_one_after_it() {
        let config = WatchedConfig::new("watch-bad", HELLO);
        let running = config.run();
        config.write("[plugins.greeter.config\ngreeting = \"broken\"\n");
        let refused = running.wait_for_err("error: reload refused, nothing changed");
        assert!(refused.contains(&config.path()), "{refused}");
        config.write(WITHOUT_CLOCK);
        reloaded_with_clock(&running, false);
        stop(running);
    }

    #[test]
    fn watch_reports_a_removed_file_and_reloads_it_when_it_returns() {
        let config = WatchedConfig::new("watch-remove", HELLO);
        let running = config.run();
        std::fs::remove_file(&config.file).unwrap();
        let refused = running.wait_for_err("error: reload refused, nothing changed");
        assert!(refused.contains("cannot read"), "{refused}");
        config.write(WITHOUT_CLOCK);
        reloaded_with_clock(&running, false);
        stop(running);
    }

    #[test]
    fn watch_follows_a_link_swapped_as_kubernetes_updates_a_config_map() {
        use std::os::unix::fs::symlink;
        // A mounted ConfigMap: `host.toml -> ..data/host.toml`, `..data -> ..v1`; an update
        // writes `..v2` and renames a new `..data` link over the old one.
        let config = WatchedConfig::new("watch-configmap", HELLO);
        let version = |name: &str, text: &str| {
            std::fs::create_dir(config.directory.join(name)).unwrap();
            std::fs::write(config.directory.join(name).join("host.toml"), text).unwrap();
        };
        version("..v1", HELLO);
        symlink("..v1", config.directory.join("..data")).unwrap();
        std::fs::remove_file(&config.file).unwrap();
        symlink("..data/host.toml", &config.file).unwrap();
        let running = config.run();
        version("..v2", WITHOUT_CLOCK);
        symlink("..v2", config.directory.join("..data_tmp")).unwrap();
        std::fs::rename(
            config.directory.join("..data_tmp"),
            config.directory.join("..data"),
        )
        .unwrap();
        reloaded_with_clock(&running, false);
        stop(running);
    }
}
