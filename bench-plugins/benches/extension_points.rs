//! P6: calling an extension point on 1,000 live implementations (see `docs/performance.md`).

mod noop_kind;

fn main() {
    bench_plugins::points::run(&noop_kind::KIND);
}
