//! The streaming example (`examples/streaming.rs`): a producer on its own thread calls an
//! extension point through a kept handle, per item, while a reload adds one sink and removes
//! another; the stop loses nothing. Run as a binary, its report read back.

use std::process::Command;

use crate::support::example;

/// `first..=last (n items)` of the line `sink: ...`.
fn run_of(out: &str, sink: &str) -> (u64, u64, u64) {
    let line = out
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{sink}: ")))
        .unwrap_or_else(|| panic!("no line for {sink}:\n{out}"));
    let (range, count) = line.split_once(" (").unwrap();
    let (first, last) = range.split_once("..=").unwrap();
    let count = count.trim_end_matches(" items)");
    (
        first.parse().unwrap(),
        last.parse().unwrap(),
        count.parse().unwrap(),
    )
}

#[test]
fn each_sink_takes_one_unbroken_run_and_the_one_there_throughout_takes_every_item() {
    let output = Command::new(example("streaming"))
        .args(["--items", "2000"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}\n{err}");
    assert!(err.is_empty(), "{err}");
    assert!(
        out.starts_with("running: sink-a, sink-b, producer\n"),
        "{out}"
    );
    // The reload leaves the producer alone: one sink out, one in.
    assert!(
        out.contains(
            "reloaded:\n- sink-a (collector): remove: done\n+ sink-c (collector): add: done\n"
        ),
        "{out}"
    );
    let produced: u64 = out
        .lines()
        .find_map(|line| line.strip_prefix("produced: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        produced >= 4000,
        "2,000 items before the reload and 2,000 after: {produced}"
    );
    // There throughout: every item, in order, once.
    assert_eq!(run_of(&out, "sink-b"), (0, produced - 1, produced));
    // Removed: the first items, up to its withdrawal; added: the last, from its start. The
    // removal comes first, so no item reached both.
    let (a_first, a_last, a_count) = run_of(&out, "sink-a");
    let (c_first, c_last, c_count) = run_of(&out, "sink-c");
    assert_eq!((a_first, a_count), (0, a_last + 1));
    assert!(
        a_last >= 1999,
        "sink-a took the 2,000 items before the reload: {a_last}"
    );
    assert_eq!((c_last, c_count), (produced - 1, produced - c_first));
    assert!(a_last < c_first, "{out}");
}
