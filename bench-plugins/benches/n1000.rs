//! P1 to P4 over the generated set of 1000 plugins, and the configuration benchmarks C1 to C3
//! (see `docs/performance.md`).

mod config_kinds;

include!(concat!(env!("OUT_DIR"), "/set_1000.rs"));

fn main() {
    bench_plugins::run(&set::SET, Some(&config_kinds::KINDS));
}
