//! Configuration input from outside the program, tried as an attacker and as an unlucky
//! operator would: odd environments, files that are not files or too large, deep key paths,
//! keys that would drive a terminal, documents of nothing, integers at the edge. Each class has
//! its exact message; none panics, and every documented key is reachable from every source.
//! (The classes that need a process of their own, under a memory limit or with signals, are in
//! `tests/it/cli.rs`; speed is measured in `bench-plugins`, `config_hostile`.)

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use plugin_factory::config::{ConfigError, Format, Loader, MAX_DEPTH, Node, Value};
use plugin_factory::policy::{OnFailure, OnUnhealthy};
use plugin_factory::testing::Harness;
use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};

/// A kind whose config holds integers at the edges of their types.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LimitsConfig {
    most: u64,
    #[serde(default)]
    least: i64,
    #[serde(default)]
    size: usize,
}

#[plugin(name = "limits", config = LimitsConfig)]
struct Limits {
    config: LimitsConfig,
}

impl Configurable<LimitsConfig> for Limits {
    fn from_config(config: LimitsConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self { config })
    }
}

impl Plugin for Limits {}

/// A kind with a dependency, to bind, and a config with one optional key.
#[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
struct SinkConfig {
    label: String,
}

#[plugin(name = "sink", depends_on = ["limits"], config = SinkConfig)]
struct Sink;

impl Configurable<SinkConfig> for Sink {
    fn from_config(_: SinkConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self)
    }
}

impl Plugin for Sink {}

const LIMITS: &str = "[plugins.limits.config]\nmost = 1\n";

fn toml(text: &str) -> Loader {
    Loader::new().text("host.toml", Format::Toml, text)
}

fn error(loader: Loader) -> String {
    loader.load().map(|_| ()).unwrap_err().to_string()
}

/// The value at a dotted key path of a loaded configuration.
fn value_at(loader: Loader, path: &str) -> Node {
    let config = loader.load().unwrap_or_else(|e| panic!("{e}"));
    config
        .tree()
        .pointer(path.split('.'))
        .unwrap_or_else(|| panic!("{path} is set"))
        .clone()
}

/// A file in a directory of its own under the system's temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("pf-hostile-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn not_utf8(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(bytes.to_vec())
}

#[cfg(unix)]
#[test]
fn a_variable_outside_the_prefix_is_never_read_whatever_it_holds() {
    let vars = [
        (OsString::from("UNRELATED_VARIABLE"), not_utf8(b"caf\xe9")),
        (not_utf8(b"ODD\xffNAME"), OsString::from("x")),
        (
            OsString::from("APPLE__X"),
            OsString::from("not under APP__"),
        ),
        (
            OsString::from("APP__PLUGINS__LIMITS__CONFIG__MOST"),
            OsString::from("7"),
        ),
    ];
    let most = value_at(
        toml(LIMITS).env_vars("APP", vars),
        "plugins.limits.config.most",
    );
    assert!(matches!(&most.value, Value::Text(text) if text == "7"));
    assert_eq!(
        most.at.to_string(),
        "environment variable APP__PLUGINS__LIMITS__CONFIG__MOST"
    );
}

#[cfg(unix)]
#[test]
fn a_variable_under_the_prefix_that_is_not_utf8_is_an_error_that_names_it() {
    let vars = [
        (
            OsString::from("APP__PLUGINS__LIMITS__CONFIG__MOST"),
            not_utf8(b"caf\xe9"),
        ),
        (not_utf8(b"app__plugins__\xff"), OsString::from("1")),
    ];
    assert_eq!(
        error(toml(LIMITS).env_vars("APP", vars)),
        "invalid configuration: 2 problems
  (top level): the variable's value is not UTF-8 text (at environment variable APP__PLUGINS__LIMITS__CONFIG__MOST)
  (top level): the variable's name is not UTF-8 text (at environment variable app__plugins__\u{fffd})"
    );
}

#[test]
fn every_documented_instance_key_is_reachable_from_the_environment() {
    let vars = [
        ("APP__RUN_UNLISTED", "false"),
        ("APP__PLUGINS__SINK__KIND", "sink"),
        ("APP__PLUGINS__SINK__ENABLED", "true"),
        ("APP__PLUGINS__SINK__BIND__LIMITS", "limits"),
        ("APP__PLUGINS__SINK__CONFIG__LABEL", "from the environment"),
        ("APP__PLUGINS__SINK__TIMEOUT_MS", "500"),
        ("APP__PLUGINS__SINK__ON_FAILURE", "retry"),
        ("APP__PLUGINS__LIMITS__ON_FAILURE__RETRY__ATTEMPTS", "4"),
        (
            "APP__PLUGINS__LIMITS__ON_UNHEALTHY__RESTART__MAX_RESTARTS",
            "2",
        ),
        ("APP__PLUGINS__SINK__ON_UNHEALTHY", "restart"),
    ];
    // `sink` is in no file: variables reach an instance named after a kind, and below it.
    let config = toml(LIMITS).env_vars("APP", vars).load().unwrap();
    for (path, text) in [
        ("run_unlisted", "false"),
        ("plugins.sink.kind", "sink"),
        ("plugins.sink.bind.limits", "limits"),
        ("plugins.sink.timeout_ms", "500"),
        ("plugins.sink.on_failure", "retry"),
        ("plugins.limits.on_failure.retry.attempts", "4"),
        ("plugins.limits.on_unhealthy.restart.max_restarts", "2"),
    ] {
        let node = config.tree().pointer(path.split('.')).unwrap();
        assert!(
            matches!(&node.value, Value::Text(t) if t == text),
            "{path}: {node:?}"
        );
    }
    // And each is read as its type, as from a file.
    let manager = Harness::kinds(&["limits", "sink"])
        .config(config)
        .start()
        .unwrap();
    assert_eq!(manager.live(), ["limits", "sink"]);
    let sink = manager.info("sink").unwrap();
    assert!(matches!(sink.on_failure(), OnFailure::Retry(_)));
    assert!(matches!(sink.on_unhealthy(), OnUnhealthy::Restart(_)));
    let limits = manager.info("limits").unwrap();
    assert!(matches!(limits.on_failure(), OnFailure::Retry(b) if b.attempts() == 4));
    assert!(matches!(limits.on_unhealthy(), OnUnhealthy::Restart(i) if i.max_restarts() == 2));
}

#[test]
fn a_documented_key_from_the_environment_is_type_checked_as_from_a_file() {
    let config = toml(LIMITS)
        .env_vars("APP", [("APP__PLUGINS__LIMITS__TIMEOUT_MS", "soon")])
        .load()
        .unwrap();
    let manager = Harness::kinds(&["limits"]).config(config).start().unwrap();
    assert_eq!(
        manager
            .info("limits")
            .unwrap()
            .reason()
            .unwrap()
            .to_string(),
        "invalid configuration: plugins.limits.timeout_ms: invalid type: string \"soon\", expected u32 (at environment variable APP__PLUGINS__LIMITS__TIMEOUT_MS)"
    );
}

#[test]
fn every_documented_instance_key_is_reachable_from_overrides() {
    let loader = toml(LIMITS)
        .set("run_unlisted", "false")
        .set("plugins.sink.kind", "sink")
        .set("plugins.sink.bind.limits", "limits")
        .set("plugins.sink.timeout_ms", "250")
        .set("plugins.sink.on_failure", "exclude")
        .set("plugins.sink.on_unhealthy.restart.within_s", "5")
        .enable("sink");
    let manager = Harness::kinds(&["limits", "sink"])
        .config(loader.load().unwrap())
        .start()
        .unwrap();
    assert_eq!(manager.live(), ["limits", "sink"]);
    let sink = manager.info("sink").unwrap();
    assert_eq!(sink.on_failure(), OnFailure::Exclude);
    assert!(
        matches!(sink.on_unhealthy(), OnUnhealthy::Restart(i) if i.within() == Duration::from_secs(5))
    );
}

#[test]
fn integers_up_to_u64_max_reach_a_typed_config_exactly() {
    let big =
        "most = 18446744073709551615\nleast = -9223372036854775808\nsize = 0xffff_ffff_ffff_ffff";
    let manager = Harness::kinds(&["limits"])
        .config(
            toml(&format!("[plugins.limits.config]\n{big}\n"))
                .load()
                .unwrap(),
        )
        .start()
        .unwrap();
    let read = manager
        .with_plugin("limits", |limits: &mut Limits| limits.config.clone())
        .unwrap();
    assert_eq!(read.most, u64::MAX);
    assert_eq!(read.least, i64::MIN);
    assert_eq!(read.size as u64, u64::MAX);
    // From an override, as text read as the type asks.
    let manager = Harness::kinds(&["limits"])
        .config(
            toml(LIMITS)
                .set("plugins.limits.config.most", "18446744073709551615")
                .load()
                .unwrap(),
        )
        .start()
        .unwrap();
    let most = manager.with_plugin("limits", |limits: &mut Limits| limits.config.most);
    assert_eq!(most.unwrap(), u64::MAX);
    // One past: TOML refuses it, as `toml` does.
    assert_eq!(
        error(toml(
            "[plugins.limits.config]\nmost = 18446744073709551616\n"
        )),
        "integer number overflowed (at host.toml:2:8)"
    );
}

#[test]
fn keys_names_and_values_in_messages_show_control_characters_as_escapes() {
    let text = "{\"plugins\": {\"limits\": {\"config\": {\"most\": 1, \"gre\\u001b[2Jting\": \"x\"}}, \"gre\\u0007t\\u202ee\": {}}}";
    let config = Loader::new()
        .text("host.json", Format::Json, text)
        .load()
        .unwrap();
    let manager = Harness::kinds(&["limits"]).config(config).start().unwrap();
    let reason = manager
        .info("limits")
        .unwrap()
        .reason()
        .unwrap()
        .to_string();
    assert_eq!(
        reason,
        "invalid configuration: plugins.limits.config.gre\\u{1b}[2Jting: unknown key `gre\\u{1b}[2Jting`; expected one of `most`, `least`, `size` (at host.json:1:67)"
    );
    let report = manager.report().to_string();
    assert!(
        report.contains(r#"invalid instance name "gre\u{7}t\u{202e}e""#),
        "{report}"
    );
    for printed in [&reason, &report] {
        assert!(
            !printed.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{printed:?}"
        );
    }
    // A variable's name, an override's key and a file's path too.
    let refused = error(
        toml(LIMITS)
            .env_vars("APP", [("APP__PLUGINS__\u{1b}]0;pwned\u{7}", "1")])
            .set("plugins.limits.config.most\n[fake] line", "1"),
    );
    assert!(!refused.contains(['\u{1b}', '\u{7}']), "{refused:?}");
    assert!(
        refused.contains(r"at environment variable APP__PLUGINS__\u{1b}]0;pwned\u{7}"),
        "{refused}"
    );
    let parse = error(Loader::new().text("bad\u{1b}[31m.toml", Format::Toml, "a = "));
    assert!(
        parse.starts_with(r"string values must be quoted"),
        "{parse}"
    );
    assert!(parse.contains(r"(at bad\u{1b}[31m.toml:1:5)"), "{parse}");
}

#[test]
fn a_document_of_only_null_is_refused_as_an_empty_file_is() {
    for (name, format, text, at) in [
        ("host.yaml", Format::Yaml, "~\n", "host.yaml:1:1"),
        (
            "host.yaml",
            Format::Yaml,
            "# nothing\n--- null\n",
            "host.yaml:2:5",
        ),
        ("host.json", Format::Json, " null", "host.json:1:2"),
    ] {
        assert_eq!(
            error(Loader::new().text(name, format, text)),
            format!("the document is only null: expected a map with a `plugins` key (at {at})"),
            "{text:?}"
        );
    }
    for (name, format, text) in [
        ("host.yaml", Format::Yaml, "---\n...\n"),
        ("host.yaml", Format::Yaml, "--- # a comment\n"),
        ("host.json", Format::Json, "\u{feff} \r\n"),
        ("host.toml", Format::Toml, "# only a comment\r\n"),
    ] {
        assert_eq!(
            error(Loader::new().text(name, format, text)),
            format!("{name} is empty: expected a map with a `plugins` key"),
            "{text:?}"
        );
    }
    // The smallest configurations are not empty.
    assert!(
        Loader::new()
            .text("a.json", Format::Json, "{}")
            .load()
            .is_ok()
    );
    assert!(
        Loader::new()
            .text("a.yaml", Format::Yaml, "{}")
            .load()
            .is_ok()
    );
    assert!(toml("[plugins]").load().is_ok());
}

#[test]
fn white_space_the_format_does_not_allow_is_a_syntax_error_not_an_empty_file() {
    for (text, message) in [
        (
            "\u{c}",
            "control character U+000C (form feed) is not allowed in TOML: white space is spaces and tabs, and a line ends with LF or CRLF (at host.toml:1:1)",
        ),
        (
            "# a comment\n\u{b}\n",
            "control character U+000B (vertical tab) is not allowed in TOML: white space is spaces and tabs, and a line ends with LF or CRLF (at host.toml:2:1)",
        ),
        (
            "# comment\r",
            "carriage return must be followed by newline, expected newline (at host.toml:1:11)",
        ),
    ] {
        assert_eq!(error(toml(text)), message, "{text:?}");
    }
    assert_eq!(
        error(Loader::new().text("host.json", Format::Json, "\u{c}")),
        "expected value (at host.json:1:1)"
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let scratch = Scratch::new("limit");
    let path = scratch.file(
        "big.toml",
        format!("{LIMITS}# {}\n", "x".repeat(100)).as_bytes(),
    );
    let refused = Loader::new()
        .file(&path)
        .max_file_size(64)
        .load()
        .unwrap_err();
    assert!(matches!(refused, ConfigError::TooLarge { limit: 64, .. }));
    assert_eq!(
        refused.to_string(),
        format!(
            "{} is larger than the limit of 64 bytes for a configuration file (raise it with `Loader::max_file_size`, or the command line's `--max-config-size`)",
            path.display()
        )
    );
    assert!(Loader::new().file(&path).max_file_size(1024).load().is_ok());
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_without_reading_or_waiting() {
    let scratch = Scratch::new("special");
    let fifo = scratch.0.join("host.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Nobody writes to the FIFO: an open that waited for a writer would hang here.
    for (path, what) in [
        (fifo.as_path(), "a FIFO"),
        (Path::new("/dev/zero"), "a character device"),
        (scratch.0.as_path(), "a directory"),
    ] {
        let refused = Loader::new()
            .file_as(path, Format::Yaml)
            .load()
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!(
                "{} is {what}, not a regular file: a configuration is read from a regular file",
                path.display()
            )
        );
    }
}

#[test]
fn a_file_that_is_not_utf8_says_where() {
    let scratch = Scratch::new("utf8");
    let path = scratch.file(
        "host.toml",
        b"[plugins.limits.config]\nmost = \"caf\xe9\"\n",
    );
    assert_eq!(
        error(Loader::new().file(&path)),
        format!(
            "invalid UTF-8 (byte 0xE9): a configuration file is UTF-8 text (at {}:2:12)",
            path.display()
        )
    );
}

#[test]
fn a_key_path_deeper_than_files_may_nest_is_refused_from_every_source() {
    let deep = vec!["a"; 60_000].join(".");
    assert_eq!(
        error(toml(LIMITS).set(deep.clone(), "1")),
        format!(
            "invalid configuration: {deep}: a key path of 60000 keys: at most {MAX_DEPTH} are read, as collections nest at most {MAX_DEPTH} levels in a file (at override {deep})"
        )
    );
    let variable = format!("APP__PLUGINS{}", "__X".repeat(200));
    assert_eq!(
        error(toml(LIMITS).env_vars("APP", [(variable.as_str(), "1")])),
        format!(
            "invalid configuration: (top level): a name of 201 segments: a key path has at most {MAX_DEPTH} (at environment variable {variable})"
        )
    );
    // A name to enable is one key, dots and all: an invalid instance name, not a deep path.
    let config = toml(LIMITS).enable(".".repeat(60_000)).load().unwrap();
    let plugins = config.tree().get("plugins").unwrap();
    let Value::Map(instances) = &plugins.value else {
        panic!("{plugins:?}")
    };
    assert_eq!(instances.len(), 2);
    // The deepest path allowed is set.
    let deepest = vec!["k"; MAX_DEPTH].join(".");
    assert!(toml(LIMITS).set(deepest, "1").load().is_ok());
}

#[test]
fn wide_layers_merge_key_by_key() {
    // Two files of many instances each, half of them shared, then variables and overrides into
    // the same wide map: every key once, later layers winning.
    let file = |from: usize| -> String {
        (from..from + 3_000)
            .map(|i| format!("[plugins.i-{i}]\nkind = \"limits\"\nconfig = {{ most = {i} }}\n"))
            .collect()
    };
    let vars: Vec<(String, String)> = (0..3_000)
        .step_by(3)
        .map(|i| (format!("APP__PLUGINS__I_{i}__CONFIG__MOST"), "0".to_owned()))
        .collect();
    let mut loader = Loader::new()
        .text("a.toml", Format::Toml, file(0))
        .text("b.toml", Format::Toml, file(1_500))
        .env_vars("APP", vars);
    for i in (0..4_500).step_by(5) {
        loader = loader.set(format!("plugins.i-{i}.enabled"), "false");
    }
    let config = loader.load().unwrap();
    let Value::Map(instances) = &config.tree().get("plugins").unwrap().value else {
        panic!()
    };
    assert_eq!(instances.len(), 4_500);
    let most = |i: usize| {
        config
            .tree()
            .pointer(["plugins", &format!("i-{i}"), "config", "most"])
            .unwrap()
            .at
            .to_string()
    };
    assert_eq!(most(1), "a.toml:6:19");
    assert_eq!(most(1_501), "b.toml:6:19");
    assert_eq!(
        most(3),
        "environment variable APP__PLUGINS__I_3__CONFIG__MOST"
    );
    assert_eq!(most(4_000), "b.toml:7503:19");
    let enabled = config
        .tree()
        .pointer(["plugins", "i-10", "enabled"])
        .unwrap();
    assert_eq!(enabled.at.to_string(), "override plugins.i-10.enabled");
}
