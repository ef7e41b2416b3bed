//! The table printed at the end of a run: each benchmark's median beside its baseline's, from
//! criterion's estimates of this run, and the ratio of the two.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion};

use crate::set::Set;
use crate::sizes::{FEW, IMPLEMENTATIONS, INSTANCES};

/// Each group, its baseline, and the benchmarks compared with it.
const GROUPS: [(&str, &str, &[&str]); 5] = [
    (
        "p1_lifecycle",
        "hand",
        &[
            "hand_name_map",
            "framework",
            "framework_timed",
            "bevy_app",
            "bevy_app_group",
        ],
    ),
    ("p2_dispatch", "hand", &["framework"]),
    ("p3_lookup", "hand", &["framework"]),
    (
        "p4_registry_walk",
        "static_array",
        &["raw_linkme", "raw_inventory", "framework"],
    ),
    (
        "p4_registry_collect",
        "static_array",
        &["raw_linkme", "raw_inventory", "framework"],
    ),
];

/// The id of benchmark `function` for a set of `n` plugins.
pub(crate) fn id(function: &str, n: usize) -> BenchmarkId {
    BenchmarkId::new(function, n)
}

/// The registry backend plugin-factory was built with.
pub(crate) fn backend() -> &'static str {
    if cfg!(feature = "inventory") {
        "inventory"
    } else {
        "linkme"
    }
}

/// Criterion as every bench target runs it: 1 s of warm-up, 3 s of measurement, 50 samples,
/// results in `output` (where the summary reads them), then the command line's options.
pub(crate) fn criterion(output: &Path) -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .output_directory(output)
        .configure_from_args()
}

/// Where criterion keeps its results: the same choice criterion makes (`CRITERION_HOME`, else
/// `criterion` in the cargo target directory), made here so that the table reads what this run
/// wrote.
pub(crate) fn output_directory() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let cargo = std::env::var_os("CARGO")?;
            let output = Command::new(cargo)
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .output()
                .ok()?;
            let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
            Some(PathBuf::from(metadata["target_directory"].as_str()?))
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("criterion")
}

/// The median of one benchmark in nanoseconds, from its latest estimates if they were written
/// after `since`.
pub(crate) fn median(
    output: &Path,
    since: SystemTime,
    group: &str,
    function: &str,
    n: usize,
) -> Option<f64> {
    let path = output
        .join(group)
        .join(function)
        .join(n.to_string())
        .join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let estimates: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

pub(crate) fn time(ns: f64) -> String {
    match ns {
        ns if ns >= 1e6 => format!("{:.3} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.3} µs", ns / 1e3),
        ns => format!("{ns:.1} ns"),
    }
}

/// Prints the medians of this set's benchmarks that ran since `started` with their ratios to the baseline, and how P1
/// grows from the set ten times smaller when its results are there too.
pub(crate) fn print(output: &Path, started: SystemTime, set: &Set) {
    let n = set.n;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Medians and ratios to the baseline, N = {n}, {} edges (backend: {}):",
        set.edges,
        backend()
    );
    let _ = writeln!(
        out,
        "  {:<20} {:<16} {:>12} {:>10} {:>7}",
        "group", "benchmark", "median", "per item", "ratio"
    );
    for (group, baseline, others) in GROUPS {
        let per = if group == "p3_lookup" { set.lookups } else { n } as f64;
        let Some(base) = median(output, started, group, baseline, n) else {
            continue;
        };
        for function in std::iter::once(&baseline).chain(others) {
            let Some(value) = median(output, started, group, function, n) else {
                continue;
            };
            let _ = writeln!(
                out,
                "  {group:<20} {function:<16} {:>12} {:>7.1} ns {:>6.2}x",
                time(value),
                value / per,
                value / base
            );
        }
    }
    let p1 = |function| median(output, started, "p1_lifecycle", function, n);
    if let (Some(ours), Some(cheapest), Some(group)) =
        (p1("framework"), p1("bevy_app"), p1("bevy_app_group"))
    {
        let _ = writeln!(
            out,
            "P1 against the peer: framework over bevy_app {:.2}x (one add_plugins), {:.2}x (PluginGroup); target < 1x\n",
            ours / cheapest,
            ours / group
        );
    }
    if n >= 1_000 {
        let smaller = n / 10;
        let mut lines = String::new();
        for function in ["hand", "framework", "framework_timed"] {
            if let (Some(big), Some(small)) = (
                median(output, started, "p1_lifecycle", function, n),
                median(output, UNIX_EPOCH, "p1_lifecycle", function, smaller),
            ) {
                let _ = writeln!(lines, "  p1_lifecycle {function:<16} {:>6.2}x", big / small);
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(
                out,
                "P1 time at N = {n} over time at N = {smaller} (the latter from its latest run; target <= 11x):\n{lines}"
            );
        }
    }
    println!("{out}");
}

/// The configuration benchmarks, each group's functions in the order printed.
const CONFIG_GROUPS: [(&str, &[&str]); 4] = [
    (
        "config/load",
        &[
            "parse_json",
            "parse_toml",
            "check",
            "parse_json_check",
            "parse_json_build",
        ],
    ),
    ("config/apply_noop", &["clone", "apply", "clone_apply"]),
    ("config/apply_one", &["in_place", "recreated"]),
    ("config/restart_plus_noop", &["in_place", "recreated"]),
];

/// Prints the medians of C1 to C3 that ran since `started`, per instance, and the ratios their
/// targets are stated in.
pub(crate) fn print_config(output: &Path, started: SystemTime) {
    let n = INSTANCES;
    // Criterion names a group's directory after the group, `/` replaced.
    let get = |group: &str, function: &str| {
        median(output, started, &group.replace('/', "_"), function, n)
    };
    let mut out = String::new();
    let _ = writeln!(out, "Configuration of {n} instances (C1 to C3), medians:");
    let _ = writeln!(
        out,
        "  {:<26} {:<18} {:>12} {:>15}",
        "group", "benchmark", "median", "per instance"
    );
    let mut any = false;
    for (group, functions) in CONFIG_GROUPS {
        for function in functions {
            if let Some(value) = get(group, function) {
                any = true;
                let _ = writeln!(
                    out,
                    "  {group:<26} {function:<18} {:>12} {:>12.1} ns",
                    time(value),
                    value / n as f64
                );
            }
        }
    }
    if !any {
        return;
    }
    if let Some(apply) = get("config/apply_noop", "apply") {
        let _ = writeln!(
            out,
            "C2 no-op apply: {} (target: well under 1 ms){}",
            time(apply),
            get("config/apply_noop", "clone_apply")
                .map(|both| format!("; with the clone {}", time(both)))
                .unwrap_or_default()
        );
    }
    let mut lines = String::new();
    for function in ["in_place", "recreated"] {
        if let (Some(one), Some(base)) = (
            get("config/apply_one", function),
            get("config/restart_plus_noop", function),
        ) {
            let _ = writeln!(
                lines,
                "  {function:<18} {:>12} {:>12} {:>6.2}x",
                time(one),
                time(base),
                one / base
            );
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(
            out,
            "C3 apply of one changed instance over restart_plugin + no-op apply (target <= 1.5x):\n  {:<18} {:>12} {:>12} {:>7}\n{lines}",
            "kind", "apply", "restart+noop", "ratio"
        );
    }
    println!("{out}");
}

/// Prints the medians of P6 that ran since `started`, and the ratios its targets are stated
/// in: `call` through the manager over the direct loop, and `first_some` with 1,000
/// implementations over 10.
pub(crate) fn print_points(output: &Path, started: SystemTime) {
    let (n, few) = (IMPLEMENTATIONS, FEW);
    let get = |group: &str, function: &str, n: usize| median(output, started, group, function, n);
    let mut out = String::new();
    let _ = writeln!(out, "Extension point calls (P6), medians:");
    let _ = writeln!(
        out,
        "  {:<10} {:<12} {:>6} {:>12} {:>12}",
        "group", "benchmark", "N", "median", "per item"
    );
    let rows = [
        ("p6_call", "direct", n),
        ("p6_call", "framework", n),
        ("p6_call", "handle", n),
        ("p6_first", "direct", few),
        ("p6_first", "framework", few),
        ("p6_first", "direct", n),
        ("p6_first", "framework", n),
    ];
    for (group, function, n) in rows {
        if let Some(value) = get(group, function, n) {
            let per = if group == "p6_call" { n as f64 } else { 1.0 };
            let _ = writeln!(
                out,
                "  {group:<10} {function:<12} {n:>6} {:>12} {:>9.2} ns",
                time(value),
                value / per
            );
        }
    }
    if let (Some(framework), Some(direct)) =
        (get("p6_call", "framework", n), get("p6_call", "direct", n))
    {
        let _ = writeln!(
            out,
            "P6 call, framework over direct loop, N = {n}: {:.2}x (target <= 1.2x)",
            framework / direct
        );
    }
    if let (Some(handle), Some(direct)) = (get("p6_call", "handle", n), get("p6_call", "direct", n))
    {
        let _ = writeln!(
            out,
            "P6 call through a handle over direct loop, N = {n}: {:.2}x (target <= 1.2x)",
            handle / direct
        );
    }
    if let (Some(big), Some(small)) = (
        get("p6_first", "framework", n),
        get("p6_first", "framework", few),
    ) {
        let _ = writeln!(
            out,
            "P6 first_some answered by the first, N = {n} over N = {few}: {:.2}x (target: O(1), about 1x)",
            big / small
        );
    }
    println!("{out}");
}
