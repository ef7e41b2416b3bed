//! Reading hostile configuration input of 1, 2 and 4 MB (see `docs/performance.md`).

fn main() {
    bench_plugins::hostile::run();
}
