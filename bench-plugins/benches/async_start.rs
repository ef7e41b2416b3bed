//! P8: the async manager's start phase, 100 plugins whose `start` awaits 10 ms, in dependency
//! graphs of depth 0, 4 and 9, started as the graph allows and (depth 4) one at a time (see
//! `docs/performance.md`).

use std::num::NonZeroUsize;
use std::time::Duration;

use bench_plugins::asynchronous::{PLUGINS, START, entries, start_phase};
use criterion::Criterion;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("p8_async_start");
    let cases = [(0, None), (4, None), (9, None), (4, NonZeroUsize::new(1))];
    for (depth, limit) in cases {
        let set = entries(PLUGINS, depth);
        let id = match limit {
            None => format!("depth_{depth}"),
            Some(_) => format!("depth_{depth}_one_at_a_time"),
        };
        if limit.is_some() {
            // A hundred sequential sleeps: one second per run.
            group.measurement_time(Duration::from_secs(12));
        }
        group.bench_function(&id, |b| {
            b.iter_custom(|runs| {
                (0..runs)
                    .map(|_| runtime.block_on(start_phase(&set, limit)))
                    .sum()
            });
        });
        let expected = match limit {
            None => START * (depth as u32 + 1),
            Some(_) => START * PLUGINS as u32,
        };
        println!(
            "  {id}: {PLUGINS} plugins in chains of {}; ideal {expected:?}",
            depth + 1
        );
    }
    group.finish();
    criterion.final_summary();
}
