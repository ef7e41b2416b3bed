//! `config_hostile`: reading hostile configuration input of 1, 2 and 4 MB, each shape that
//! was once quadratic or unbounded (one long line, many keys in one map, anchors nested around
//! a large list, a large pretty-printed file of instances, many environment variables and
//! overrides into one map), and one key of half a million segments. Targets (issue 25, `docs/performance.md`): 1 MB of any shape read in
//! under 1 s and 200 MB, and the time growing at most 2.2x each time the size doubles.
//!
//! "Reading" is [`Loader::load`] (the files parsed, the variables and overrides matched and
//! laid over them), then resolving the result against the kinds (as `check` and startup do,
//! with every problem listed), by a manager builder's `discover` over no kinds.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use criterion::BenchmarkId;
use plugin_factory::PluginManager;
use plugin_factory::config::{Format, Loader};

use crate::alloc;
use crate::summary;

/// The sizes read, in bytes: 1x, 2x and 4x.
pub const SIZES: [usize; 3] = [1 << 20, 2 << 20, 4 << 20];

/// One shape of input, made at a size.
struct Shape {
    name: &'static str,
    make: fn(usize) -> Input,
}

/// The input of one shape at one size: file texts, variables and overrides.
#[derive(Clone, Default)]
struct Input {
    files: Vec<(Format, String)>,
    vars: Vec<(String, String)>,
    sets: Vec<(String, String)>,
}

impl Input {
    fn file(format: Format, text: String) -> Self {
        Self {
            files: vec![(format, text)],
            ..Self::default()
        }
    }

    fn bytes(&self) -> usize {
        let files: usize = self.files.iter().map(|(_, text)| text.len()).sum();
        let pairs = |pairs: &[(String, String)]| -> usize {
            pairs.iter().map(|(k, v)| k.len() + v.len() + 1).sum()
        };
        files + pairs(&self.vars) + pairs(&self.sets)
    }

    /// Reads it, as a host does at startup: load, then resolve against the kinds.
    fn read(&self) -> usize {
        let mut loader = Loader::new();
        for (i, (format, text)) in self.files.iter().enumerate() {
            loader = loader.text(format!("input-{i}"), *format, text.as_str());
        }
        if !self.vars.is_empty() {
            let vars = self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            loader = loader.env_vars("APP", vars);
        }
        for (key, value) in &self.sets {
            loader = loader.set(key.as_str(), value.as_str());
        }
        let config = match loader.load() {
            Ok(config) => config,
            Err(error) => return error.problems().len(),
        };
        let discovered = PluginManager::builder()
            .entries([])
            .config(config)
            .discover();
        discovered.map_or(0, |manager| manager.report().config_problems().len())
    }
}

/// Keys `k0`, `k1`, ... written by `entry` until `size` bytes, joined by `separator`.
fn keys(size: usize, separator: &str, entry: impl Fn(usize) -> String) -> String {
    let mut text = String::with_capacity(size + 64);
    let mut i = 0;
    while text.len() < size {
        if i > 0 {
            text.push_str(separator);
        }
        text.push_str(&entry(i));
        i += 1;
    }
    text
}

const SHAPES: [Shape; 8] = [
    Shape {
        name: "json_one_line",
        make: |size| {
            let map = keys(size, ", ", |i| format!("\"k{i}\": {i}"));
            Input::file(
                Format::Json,
                format!("{{\"plugins\": {{}}, \"x\": {{{map}}}}}"),
            )
        },
    },
    Shape {
        name: "toml_one_line",
        make: |size| {
            let map = keys(size, ", ", |i| format!("k{i} = \"v{i}\""));
            Input::file(Format::Toml, format!("x = {{ {map} }}\n"))
        },
    },
    Shape {
        name: "toml_dotted_key",
        make: |size| {
            // One key of as many segments as fit: refused at the parser's depth limit, after
            // the parser has read the whole key.
            Input::file(Format::Toml, format!("{}b = 1\n", "a.".repeat(size / 2)))
        },
    },
    Shape {
        name: "yaml_top_level_keys",
        make: |size| {
            let map = keys(size, "\n", |i| format!("k{i}: {i}"));
            Input::file(Format::Yaml, format!("plugins: {{}}\n{map}\n"))
        },
    },
    Shape {
        name: "yaml_nested_anchors",
        make: |size| {
            let opening: String = (0..100).map(|i| format!("&a{i} [")).collect();
            let list = keys(size, ", ", |i| i.to_string());
            let text = format!("plugins: {{}}\nx: {opening}{list}{}\n", "]".repeat(100));
            Input::file(Format::Yaml, text)
        },
    },
    Shape {
        name: "json_pretty_instances",
        make: |size| {
            let instances = keys(size, ",\n", |i| {
                format!(
                    "    \"i-{i}\": {{\n      \"kind\": \"k{}\",\n      \"enabled\": true,\n      \
                     \"config\": {{\n        \"list\": [1, 2, 3],\n        \"nested\": {{ \"text\": \"é{i}\" }}\n      }}\n    }}",
                    i % 7
                )
            });
            let text = format!("{{\n  \"plugins\": {{\n{instances}\n  }}\n}}\n");
            Input::file(Format::Json, text)
        },
    },
    Shape {
        name: "env_variables",
        make: |size| {
            // Half the bytes a file of instances, half the variables that configure them.
            let count = size / 2 / 48;
            let file: String = (0..count)
                .map(|i| format!("[plugins.i-{i}]\nkind = \"k\"\nconfig = {{ value = 0 }}\n"))
                .collect();
            let vars = (0..count)
                .map(|i| (format!("APP__PLUGINS__I_{i}__CONFIG__VALUE"), i.to_string()))
                .collect();
            Input {
                files: vec![(Format::Toml, file)],
                vars,
                sets: Vec::new(),
            }
        },
    },
    Shape {
        name: "overrides_into_one_map",
        make: |size| {
            let count = size / 40;
            let sets = (0..count)
                .map(|i| (format!("plugins.wide.config.key-{i}"), i.to_string()))
                .collect();
            Input {
                sets,
                ..Input::default()
            }
        },
    },
];

/// Runs the benchmark: each shape at each size, timed by criterion, its peak memory measured
/// once; then the table of medians, growth ratios and peaks against the targets.
pub fn run() {
    let started = SystemTime::now();
    let mut peaks = Vec::new();
    let inputs: Vec<(&str, usize, Input)> = SHAPES
        .iter()
        .flat_map(|shape| SIZES.map(|size| (shape.name, size, (shape.make)(size))))
        .collect();
    for (name, size, input) in &inputs {
        let (peak, problems) = alloc::peak(|| input.read());
        peaks.push((*name, *size, peak, input.bytes(), problems));
    }
    let output = summary::output_directory();
    let mut criterion = summary::criterion(&output)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500));
    {
        let mut group = criterion.benchmark_group("config_hostile");
        group.sampling_mode(criterion::SamplingMode::Flat);
        for (name, size, input) in &inputs {
            group.bench_with_input(BenchmarkId::new(*name, size), input, |b, input| {
                b.iter(|| input.read());
            });
        }
        group.finish();
    }
    criterion.final_summary();
    print(&output, started, &peaks);
}

fn print(
    output: &std::path::Path,
    started: SystemTime,
    peaks: &[(&str, usize, usize, usize, usize)],
) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Hostile input (config_hostile): median to read 1x / 2x / 4x, growth per doubling, peak heap at 1x (targets: < 1 s and < 200 MB at 1 MB, growth <= 2.2x)"
    );
    let _ = writeln!(
        out,
        "  {:<24} {:>10} {:>10} {:>10} {:>7} {:>7} {:>10} {:>9} {:>9}",
        "shape", "1x", "2x", "4x", "2x/1x", "4x/2x", "peak 1x", "bytes 1x", "problems"
    );
    for shape in SHAPES {
        let median =
            |size: usize| summary::median(output, started, "config_hostile", shape.name, size);
        let found = peaks
            .iter()
            .find(|(name, size, ..)| *name == shape.name && *size == SIZES[0]);
        let (Some(one), Some(two), Some(four), Some(&(_, _, peak, bytes, problems))) =
            (median(SIZES[0]), median(SIZES[1]), median(SIZES[2]), found)
        else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>10} {:>10} {:>6.2}x {:>6.2}x {:>7.1} MB {:>9} {:>9}",
            shape.name,
            summary::time(one),
            summary::time(two),
            summary::time(four),
            two / one,
            four / two,
            peak as f64 / 1e6,
            bytes,
            problems,
        );
    }
    println!("{out}");
}
