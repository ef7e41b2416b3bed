//! Logging goes through `log`: transitions at debug, exclusions at warn, failures at error, and
//! the target of every record about a plugin is the plugin's name.

mod support;

use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use plugin_factory::Hook;
use support::{Fault, inject, probe, start_all};

/// Keeps every record.
struct Capture(Mutex<Vec<(Level, String, String)>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        let entry = (
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        );
        self.0.lock().unwrap().push(entry);
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn transitions_exclusions_and_failures_are_logged_at_their_levels_under_the_plugin_name() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(LevelFilter::Trace);
    inject("broken", Hook::Init, Fault::Error);
    let report = start_all([probe("fine", &[]), probe("broken", &[])]).shutdown();
    assert_eq!(report.excluded().count(), 1);
    let records = CAPTURE.0.lock().unwrap();
    let about = |target: &str, level: Level| -> Vec<String> {
        records
            .iter()
            .filter(|(l, t, _)| *l == level && t == target)
            .map(|(.., message)| message.clone())
            .collect()
    };
    let fine = about("fine", Level::Debug);
    assert_eq!(
        fine.first().map(String::as_str),
        Some("fine: registered -> created")
    );
    assert!(
        fine.iter().any(|m| m == "fine: running -> stopped"),
        "{fine:?}"
    );
    assert_eq!(
        about("broken", Level::Error),
        ["plugin \"broken\": init failed: scripted init error"]
    );
    assert_eq!(
        about("broken", Level::Warn),
        ["plugin \"broken\" excluded: init failed: scripted init error"]
    );
    assert!(about("fine", Level::Warn).is_empty() && about("fine", Level::Error).is_empty());
}
