//! P1 to P4 over the generated set of 10000 plugins (see `docs/performance.md`).

include!(concat!(env!("OUT_DIR"), "/set_10000.rs"));

fn main() {
    bench_plugins::run(&set::SET, None);
}
