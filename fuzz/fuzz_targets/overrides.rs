//! Feeds input lines as `set`, `env_vars("APP", ..)`, `enable` and `disable` over a fixed TOML file to `Loader::load`.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;
use plugin_factory::config::{Format, Loader};

plugin_factory::link_plugins!(example_plugins);

const BASE: &str = r#"run_unlisted = true
[plugins.greeter]
config = { greeting = "Hello" }
[plugins.kv-primary]
kind = "kv-store"
config = { capacity = 10 }
on_failure = { retry = { attempts = 3, delay_ms = 100 } }
[plugins.audit-log]
bind = { kv-store = "kv-primary" }
"#;

// Lines: `+name` enables, `-name` disables, `$NAME=value` is the variable `APP__NAME` (bytes
// as they are, UTF-8 or not), any other line is `set(key, value)` split at the first `=`.
fuzz_target!(|data: &[u8]| {
    let (mut loader, mut vars) = (
        Loader::new().text("base.toml", Format::Toml, BASE),
        Vec::new(),
    );
    for line in data.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
        let split = |l: &[u8]| match l.iter().position(|&b| b == b'=') {
            Some(i) => (l[..i].to_vec(), l[i + 1..].to_vec()),
            None => (l.to_vec(), Vec::new()),
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        loader = match line.split_first() {
            Some((b'+', name)) => loader.enable(text(name)),
            Some((b'-', name)) => loader.disable(text(name)),
            Some((b'$', var)) => {
                let (name, value) = split(var);
                vars.push((
                    OsString::from_vec([b"APP__", &name[..]].concat()),
                    OsString::from_vec(value),
                ));
                loader
            }
            _ => {
                let (key, value) = split(line);
                loader.set(text(&key), text(&value))
            }
        };
    }
    let _ = loader.env_vars("APP", vars).load();
});
