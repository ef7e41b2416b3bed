//! Configuration: instances of kinds, typed config, bindings, layered sources with provenance,
//! and every kind of bad input with its exact message. Bad input never panics and never stops
//! the other instances.

use crate::support;
use crate::support::kinds;

use plugin_factory::config::{Config, ConfigError, Format, Loader, Location};
use plugin_factory::phase::Active;
use plugin_factory::report::ExclusionReason;
use plugin_factory::{PluginManager, PluginState};

use kinds::{Echo, Store};

/// A valid `echo` instance, so that every configuration below runs something.
const ECHO: &str = "[plugins.echo.config]\ngreeting = \"hi\"\n";

fn load(name: &str, format: Format, text: &str) -> Result<Config, ConfigError> {
    Loader::new().text(name, format, text).load()
}

fn toml(text: &str) -> Config {
    load("host.toml", Format::Toml, text).expect("the configuration parses")
}

fn start(config: Config) -> PluginManager<Active> {
    support::start_with(kinds::builder().config(config))
}

fn state(manager: &PluginManager<Active>, name: &str) -> Option<PluginState> {
    manager.info(name).map(|info| info.state())
}

fn reason(manager: &PluginManager<Active>, name: &str) -> String {
    manager
        .info(name)
        .and_then(|info| info.reason().map(ToString::to_string))
        .unwrap_or_else(|| panic!("{name} has a reason"))
}

#[test]
fn without_a_configuration_each_kind_runs_once_under_its_own_name() {
    // `echo` has a required key and no default: without a configuration it cannot run.
    let manager = start(Config::default());
    assert_eq!(manager.live(), ["core", "flaky", "plain", "store", "app"]);
    assert_eq!(
        reason(&manager, "echo"),
        "invalid configuration: plugins.echo.config: missing field `greeting` \
         (an unlisted kind: no configuration names it, so it runs with its default config)"
    );
}

#[test]
fn instances_of_one_kind_run_side_by_side_and_bindings_choose_between_them() {
    let mut manager = start(toml(&format!(
        "{ECHO}
[plugins.store-a]
kind = \"store\"
config = {{ capacity = 5 }}

[plugins.store-b]
kind = \"store\"

[plugins.app]
bind = {{ store = \"store-b\" }}
"
    )));
    let info = manager.info("store-a").unwrap();
    assert_eq!((info.name().as_str(), info.kind()), ("store-a", "store"));
    assert_eq!(info.dependents(), [] as [&str; 0]);
    assert_eq!(manager.info("store-b").unwrap().dependents(), ["app"]);
    assert_eq!(
        manager
            .plugin_mut::<Store>("store-a")
            .unwrap()
            .config
            .capacity,
        5
    );
    assert_eq!(
        manager
            .plugin_mut::<Store>("store-b")
            .unwrap()
            .config
            .capacity,
        10,
        "a missing config is the type's default"
    );
    assert!(manager.info("store").is_none(), "the kind is configured");
    let report = manager.report().to_string();
    assert!(report.lines().next().unwrap().contains("kind"), "{report}");
    assert!(
        report
            .lines()
            .any(|line| line.starts_with("store-a  store ")),
        "{report}"
    );
}

#[test]
fn a_dependency_on_a_kind_with_several_instances_needs_a_binding() {
    let manager = start(toml(&format!(
        "{ECHO}[plugins.store-a]\nkind = \"store\"\n[plugins.store-b]\nkind = \"store\"\n"
    )));
    assert_eq!(
        reason(&manager, "app"),
        "depends on \"store\", which has several instances (\"store-a\", \"store-b\"): choose one with `bind = { store = \"...\" }`"
    );
    assert_eq!(state(&manager, "store-a"), Some(PluginState::Running));
}

#[test]
fn only_the_listed_kinds_run_when_the_switch_says_so() {
    let manager = start(toml(&format!("run_unlisted = false\n{ECHO}")));
    assert_eq!(manager.live(), ["echo"]);
}

#[test]
fn values_remember_where_they_were_read_and_later_layers_win() {
    let config = Loader::new()
        .text("host.toml", Format::Toml, ECHO)
        .text(
            "more.yaml",
            Format::Yaml,
            "plugins:\n  store:\n    config:\n      capacity: 7\n",
        )
        .env_vars(
            "APP",
            [
                ("APP__PLUGINS__STORE__CONFIG__LABEL", "from-env"),
                ("OTHER__PLUGINS__STORE__ENABLED", "false"),
            ],
        )
        .set("plugins.echo.config.times", "3")
        .load()
        .unwrap();
    let at = |path: &[&str]| {
        config
            .tree()
            .pointer(path.iter().copied())
            .unwrap()
            .at
            .clone()
    };
    assert_eq!(
        at(&["plugins", "echo", "config", "greeting"]).to_string(),
        "host.toml:2:12"
    );
    assert_eq!(
        at(&["plugins", "store", "config", "capacity"]).to_string(),
        "more.yaml:4:17"
    );
    assert_eq!(
        at(&["plugins", "store", "config", "label"]),
        Location::Env {
            variable: "APP__PLUGINS__STORE__CONFIG__LABEL".into()
        }
    );
    assert_eq!(
        at(&["plugins", "echo", "config", "times"]).to_string(),
        "override plugins.echo.config.times"
    );
    let mut manager = start(config);
    let store = manager.plugin_mut::<Store>("store").unwrap();
    assert_eq!(
        (store.config.capacity, store.config.label.as_str()),
        (7, "from-env")
    );
    assert_eq!(
        manager.plugin_mut::<Echo>("echo").unwrap().config.times,
        3,
        "text read as a number"
    );
}

#[test]
fn the_same_setup_reads_alike_from_toml_json_and_yaml() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut lives = Vec::new();
    for format in ["toml", "json", "yaml"] {
        let path = format!("{root}/examples/config/host.{format}");
        let config = Config::from_file(&path).unwrap();
        let plugins = config.tree().get("plugins").unwrap();
        let kv = plugins
            .pointer(["kv-replica", "config", "capacity"])
            .unwrap();
        assert!(kv.at.to_string().starts_with(&path), "{}", kv.at);
        for policy in [
            ["on_failure", "retry", "attempts"],
            ["on_unhealthy", "restart", "max_restarts"],
        ] {
            let mut keys = vec!["kv-primary"];
            keys.extend(policy);
            let value = &plugins.pointer(keys).unwrap().value;
            assert!(
                matches!(value, plugin_factory::config::Value::Integer(3)),
                "{path}: {policy:?} is {value:?}"
            );
        }
        let names: Vec<String> = match &plugins.value {
            plugin_factory::config::Value::Map(entries) => {
                entries.iter().map(|(k, _)| k.clone()).collect()
            }
            other => panic!("{other:?}"),
        };
        lives.push(names);
    }
    assert_eq!(lives[0], lives[1]);
    assert_eq!(lives[1], lives[2]);
}

/// The error of loading `text`, as a string.
fn load_error(name: &str, format: Format, text: &str) -> String {
    load(name, format, text).unwrap_err().to_string()
}

#[test]
fn a_malformed_file_says_where() {
    assert_eq!(
        load_error("host.toml", Format::Toml, "[plugins.echo\ngreeting = 1\n"),
        "unclosed table, expected `]` (at host.toml:1:14)"
    );
    assert_eq!(
        load_error(
            "host.json",
            Format::Json,
            "{\n  \"plugins\": {\n    \"echo\": }\n}\n"
        ),
        "expected value (at host.json:3:13)"
    );
    assert_eq!(
        load_error("host.yaml", Format::Yaml, "plugins:\n  echo: [1, 2\n"),
        "while parsing a flow sequence, expected ',' or ']' (at host.yaml:3:1)"
    );
}

#[test]
fn an_empty_file_is_an_error() {
    for (name, format, text) in [
        ("host.toml", Format::Toml, "\n# nothing here\n"),
        ("host.json", Format::Json, "\n  \n"),
        ("host.yaml", Format::Yaml, "# nothing here\n---\n"),
    ] {
        assert_eq!(
            load_error(name, format, text),
            format!("{name} is empty: expected a map with a `plugins` key")
        );
    }
}

#[test]
fn a_duplicate_instance_name_is_an_error_at_the_second() {
    assert_eq!(
        load_error(
            "host.json",
            Format::Json,
            "{\"plugins\": {\"echo\": {}, \"echo\": {}}}"
        ),
        "duplicate key `echo` (first at host.json:1:14) (at host.json:1:26)"
    );
    assert_eq!(
        load_error(
            "host.yaml",
            Format::Yaml,
            "plugins:\n  echo: {}\n  echo: {}\n"
        ),
        "duplicate key `echo` (first at host.yaml:2:3) (at host.yaml:3:3)"
    );
    assert_eq!(
        load_error(
            "host.toml",
            Format::Toml,
            "[plugins.echo]\n[plugins.echo]\n"
        ),
        "duplicate key `echo` (at host.toml:2:10)"
    );
}

/// Starts `config` and returns the problems its report lists for no instance, and the manager.
fn problems(config: Config) -> (Vec<String>, PluginManager<Active>) {
    let manager = start(config);
    let problems = manager
        .report()
        .config_problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    (problems, manager)
}

#[test]
fn a_wrong_type_a_missing_key_and_an_unknown_key_exclude_only_that_instance() {
    let manager = start(toml(
        "[plugins.echo.config]
greeting = 3

[plugins.echo-2]
kind = \"echo\"

[plugins.echo-3]
kind = \"echo\"
config = { greeting = \"hi\", gretting = \"typo\" }

[plugins.echo-4]
kind = \"echo\"
config = { greeting = \"hi\" }
",
    ));
    assert_eq!(
        reason(&manager, "echo"),
        "invalid configuration: plugins.echo.config.greeting: invalid type: integer `3`, expected a string (at host.toml:2:12)"
    );
    assert_eq!(
        reason(&manager, "echo-2"),
        "invalid configuration: plugins.echo-2.config: missing field `greeting` (at host.toml:4:1)"
    );
    assert_eq!(
        reason(&manager, "echo-3"),
        "invalid configuration: plugins.echo-3.config.gretting: unknown key `gretting`; did you mean `greeting`? expected one of `greeting`, `times` (at host.toml:9:40)"
    );
    assert_eq!(state(&manager, "echo-4"), Some(PluginState::Running));
    assert_eq!(state(&manager, "store"), Some(PluginState::Running));
    let excluded = manager.info("echo").unwrap();
    assert!(excluded.failures().is_empty(), "the factory never ran");
}

#[test]
fn a_disabled_instance_is_left_out_before_its_config_is_read() {
    // `echo` requires `greeting`: each of these would be excluded for its config if it ran.
    // Disabled in the file, by an environment variable, and by the builder.
    let text = format!(
        "{ECHO}[plugins.off-in-file]\nkind = \"echo\"\nenabled = false\n\
         [plugins.off-by-env]\nkind = \"echo\"\nconfig = {{ greeting = 3 }}\n\
         [plugins.off-in-code]\nkind = \"echo\"\nconfig = {{ greting = \"typo\" }}\n"
    );
    let config = Loader::new()
        .text("host.toml", Format::Toml, text)
        .env_vars("APP", [("APP__PLUGINS__OFF_BY_ENV__ENABLED", "false")])
        .load()
        .unwrap();
    let manager = support::start_with(kinds::builder().config(config).disable("off-in-code"));
    for name in ["off-in-file", "off-by-env", "off-in-code"] {
        let info = manager.info(name).unwrap();
        assert_eq!(info.state(), PluginState::Registered, "{name} is left out");
        assert!(info.reason().is_none(), "{name}: {:?}", info.reason());
    }
    assert_eq!(state(&manager, "echo"), Some(PluginState::Running));
    let report = manager.report();
    assert_eq!(report.excluded().count(), 0, "{report}");
    assert!(report.config_problems().is_empty(), "{report}");

    // Added at run time, its config is read then, and found wanting: the add is refused.
    let refused = manager.add_plugin("off-in-code").unwrap_err().to_string();
    assert!(
        refused.contains("plugins.off-in-code.config: missing field `greeting`"),
        "{refused}"
    );
    assert_eq!(
        state(&manager, "off-in-code"),
        Some(PluginState::Registered)
    );
}

#[test]
fn a_reload_leaves_a_disabled_instance_s_config_unread_and_reads_it_once_enabled() {
    let running = start(toml(&format!(
        "{ECHO}[plugins.later]\nkind = \"echo\"\nenabled = false\n"
    )));
    assert_eq!(state(&running, "later"), Some(PluginState::Registered));
    let mut running = running;
    // Still disabled, still incomplete: nothing to read, nothing to refuse.
    let same = toml(&format!(
        "{ECHO}[plugins.later]\nkind = \"echo\"\nenabled = false\nconfig = {{ times = 2 }}\n"
    ));
    assert!(running.apply(same).is_ok());
    // Enabled with the same incomplete config: read now, and refused whole.
    let enabled = toml(&format!(
        "{ECHO}[plugins.later]\nkind = \"echo\"\nconfig = {{ times = 2 }}\n"
    ));
    let refused = running.apply(enabled).unwrap_err().to_string();
    assert!(
        refused.contains("plugins.later.config: missing field `greeting`"),
        "{refused}"
    );
    assert_eq!(state(&running, "later"), Some(PluginState::Registered));
}

#[test]
fn a_misspelt_required_key_is_listed_with_the_field_it_left_missing() {
    let manager = start(toml("[plugins.echo]\nconfig = { greting = \"hi\" }\n"));
    let echo = manager.info("echo").unwrap();
    let Some(ExclusionReason::InvalidConfig { problems }) = echo.reason() else {
        panic!("echo is excluded for its config");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "plugins.echo.config.greting: unknown key `greting`; did you mean `greeting`? \
             expected one of `greeting`, `times` (at host.toml:2:22)",
            "plugins.echo.config: missing field `greeting` (at host.toml:2:10)"
        ]
    );
}

#[test]
fn an_unknown_kind_lists_the_kinds_and_suggests_the_nearest() {
    let (problems, manager) = problems(toml(&format!("{ECHO}[plugins.cache]\nkind = \"stor\"\n")));
    assert_eq!(
        problems,
        [
            "plugins.cache: unknown kind \"stor\"; did you mean \"store\"? The kinds compiled into this binary are \"app\", \"core\", \"echo\", \"flaky\", \"plain\", \"store\"; a kind whose cargo feature is off is not compiled in (at host.toml:4:8)"
        ]
    );
    assert_eq!(state(&manager, "store"), Some(PluginState::Running));
    assert!(
        manager
            .report()
            .to_string()
            .contains("configuration problem: plugins.cache: unknown kind")
    );
}

#[test]
fn an_invalid_instance_name_is_refused() {
    let (problems, manager) = problems(toml(&format!(
        "{ECHO}[plugins.Cache_1]\nkind = \"store\"\n"
    )));
    assert_eq!(
        problems,
        [
            "plugins.Cache_1: invalid instance name \"Cache_1\": 'C' is not allowed; use 1 to 64 characters from lowercase `a-z`, `0-9` and `-` (at host.toml:3:1)"
        ]
    );
    assert_eq!(state(&manager, "echo"), Some(PluginState::Running));
}

#[test]
fn a_binding_must_name_an_instance_of_the_right_kind() {
    let manager = start(toml(&format!(
        "{ECHO}[plugins.app]\nbind = {{ store = \"store-x\" }}\n[plugins.app-2]\nkind = \"app\"\nbind = {{ store = \"echo\" }}\n"
    )));
    assert_eq!(
        reason(&manager, "app"),
        "invalid configuration: plugins.app.bind.store: binds \"store\" to \"store-x\", which is not an instance; the instances of \"store\" are \"store\" (at host.toml:3:1)"
    );
    assert_eq!(
        reason(&manager, "app-2"),
        "invalid configuration: plugins.app-2.bind.store: binds \"store\" to \"echo\", which is an instance of \"echo\", not of \"store\" (at host.toml:5:1)"
    );
    assert_eq!(state(&manager, "store"), Some(PluginState::Running));
}

#[test]
fn a_config_for_a_kind_without_a_config_type_is_an_error() {
    let manager = start(toml(&format!("{ECHO}[plugins.plain.config]\nsize = 3\n")));
    assert_eq!(
        reason(&manager, "plain"),
        "invalid configuration: plugins.plain.config: kind \"plain\" takes no configuration: it declares no config type (at host.toml:3:1)"
    );
    let empty = start(toml(&format!("{ECHO}[plugins.plain]\nconfig = {{}}\n")));
    assert_eq!(
        state(&empty, "plain"),
        Some(PluginState::Running),
        "an empty config says nothing"
    );
}

#[test]
fn an_environment_variable_that_names_no_known_key_is_an_error() {
    let error = Loader::new()
        .text("host.toml", Format::Toml, ECHO)
        .env_vars(
            "APP",
            [
                ("APP__PLUGINS__ECHO__CONFIG__GRETING", "x"),
                ("APP__PLUGINZ", "x"),
                ("APP__PLUGINS__STORE__CONFIG__LABEL", "fine"),
            ],
        )
        .load()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid configuration: 2 problems
  plugins.echo.config.greting: names no known key: plugins.echo.config has no key `greting`; did you mean `greeting`? expected one of `greeting`, `times` (at environment variable APP__PLUGINS__ECHO__CONFIG__GRETING)
  pluginz: names no known key: (top level) has no key `pluginz`; did you mean `plugins`? expected one of `plugins`, `run_unlisted` (at environment variable APP__PLUGINZ)"
    );
    assert_eq!(error.problems().len(), 2);
}

#[test]
fn an_unknown_top_level_or_instance_key_is_reported_with_its_place() {
    let (problems, _) = problems(toml(&format!("plugin = 1\n{ECHO}")));
    assert_eq!(
        problems,
        [
            "plugin: unknown key `plugin`; did you mean `plugins`? expected one of `plugins`, `run_unlisted` (at host.toml:1:10)"
        ]
    );
    let manager = start(toml(&format!("{ECHO}[plugins.store]\nenabeld = false\n")));
    assert_eq!(
        reason(&manager, "store"),
        "invalid configuration: plugins.store.enabeld: unknown key `enabeld`; did you mean `enabled`? expected one of `kind`, `enabled`, `config`, `bind`, `on_failure`, `on_unhealthy`, `timeout_ms` (at host.toml:4:11)"
    );
}

#[test]
fn the_schema_describes_every_kind_and_its_config() {
    let schema = plugin_factory::config::schema(kinds::entries());
    let plugins = &schema["properties"]["plugins"];
    assert_eq!(
        plugins["properties"]["echo"]["properties"]["kind"]["const"],
        "echo"
    );
    let echo = &schema["$defs"]["EchoConfig"];
    assert_eq!(echo["required"], serde_json::json!(["greeting"]));
    assert_eq!(
        plugins["properties"]["app"]["properties"]["bind"]["properties"]["store"]["type"],
        "string"
    );
    assert_eq!(
        plugins["properties"]["plain"]["properties"]["config"]["maxProperties"],
        0
    );
    assert_eq!(
        schema["x-kinds"],
        serde_json::json!(["app", "core", "echo", "flaky", "plain", "store"])
    );
}

#[test]
fn a_problem_keeps_its_parts() {
    let config = load("host.toml", Format::Toml, "plugins = 3\n").unwrap();
    let error = kinds::builder().config(config).discover().unwrap().report();
    let problem = &error.config_problems()[0];
    assert_eq!(problem.path, "plugins");
    assert_eq!(
        problem.message,
        "expected a map of instances by name, found an integer"
    );
    assert_eq!(problem.at.as_ref().unwrap().to_string(), "host.toml:1:11");
    let echo = error.get("echo").unwrap();
    assert!(
        matches!(echo.reason(), Some(ExclusionReason::InvalidConfig { problems }) if problems[0].path == "plugins.echo.config")
    );
}

/// A tree's values as `path = value (origin)` lines, for comparing what `Config::effective`
/// gives: typed scalars spelt by kind (`7`, `"7"`, `true`).
fn effective_lines(config: &Config) -> Vec<String> {
    let effective = config.effective(kinds::entries());
    effective
        .origins()
        .into_iter()
        .map(|(path, at)| {
            let node = effective
                .pointer(path.split('.'))
                .expect("a leaf of the tree");
            let value = match &node.value {
                plugin_factory::config::Value::Integer(n) => n.to_string(),
                plugin_factory::config::Value::Bool(b) => b.to_string(),
                plugin_factory::config::Value::String(s) => format!("{s:?}"),
                other => other.kind().to_owned(),
            };
            format!("{path} = {value} ({at})")
        })
        .collect()
}

#[test]
fn the_configuration_in_effect_types_text_writes_out_defaults_and_adds_unlisted_kinds() {
    let config = Loader::new()
        .text(
            "host.toml",
            Format::Toml,
            "extra = 1\n\
             [plugins.echo]\nconfig = { greeting = \"hi\" }\nenabled = true\nkind = \"echo\"\n\
             [plugins.store-a]\nkind = \"store\"\n\
             [plugins.store-b]\nkind = \"store\"\nenabled = false\nconfig = { capacity = \"x\" }\n",
        )
        .set("plugins.echo.config.times", "3")
        .set("plugins.echo.timeout_ms", "250")
        .load()
        .unwrap();
    assert_eq!(
        effective_lines(&config),
        [
            "run_unlisted = true (default)",
            // `kind` and `enabled` first, once each, whether given or not.
            "plugins.echo.kind = \"echo\" (host.toml:5:8)",
            "plugins.echo.enabled = true (host.toml:4:11)",
            // The override's text, typed as the config type reads it.
            "plugins.echo.config.greeting = \"hi\" (host.toml:3:23)",
            "plugins.echo.config.times = 3 (override plugins.echo.config.times)",
            "plugins.echo.timeout_ms = 250 (override plugins.echo.timeout_ms)",
            "plugins.store-a.kind = \"store\" (host.toml:7:8)",
            "plugins.store-a.enabled = true (default)",
            // No config given: the type's defaults.
            "plugins.store-a.config.capacity = 10 (default)",
            "plugins.store-a.config.label = \"store\" (default)",
            "plugins.store-b.kind = \"store\" (host.toml:9:8)",
            "plugins.store-b.enabled = false (host.toml:10:11)",
            // Disabled: its config is not read, so shown as given, without defaults.
            "plugins.store-b.config.capacity = \"x\" (host.toml:11:23)",
            // The kinds no instance names, by name, each with its config's defaults.
            "plugins.app.kind = \"app\" (unlisted kind)",
            "plugins.app.enabled = true (unlisted kind)",
            "plugins.core.kind = \"core\" (unlisted kind)",
            "plugins.core.enabled = true (unlisted kind)",
            "plugins.flaky.kind = \"flaky\" (unlisted kind)",
            "plugins.flaky.enabled = true (unlisted kind)",
            "plugins.flaky.config.fail = false (unlisted kind)",
            "plugins.flaky.config.panic = false (unlisted kind)",
            "plugins.plain.kind = \"plain\" (unlisted kind)",
            "plugins.plain.enabled = true (unlisted kind)",
            // A key the configuration should not have is shown as given (`check` names it).
            "extra = 1 (host.toml:1:9)",
        ]
    );
}
