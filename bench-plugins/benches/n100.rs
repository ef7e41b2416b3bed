//! P1 to P4 over the generated set of 100 plugins (see `docs/performance.md`).

include!(concat!(env!("OUT_DIR"), "/set_100.rs"));

fn main() {
    bench_plugins::run(&set::SET, None);
}
