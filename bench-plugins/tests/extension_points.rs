//! P6's allocation target: calling an extension point allocates nothing per call, whatever the
//! policy, through the manager or through a handle. Counted here, untimed, with the crate's counting allocator; the bench target
//! `extension_points` prints the same counts before it times the calls.

#[path = "../benches/noop_kind.rs"]
mod noop_kind;

use bench_plugins::points;

#[test]
fn calls_reach_every_implementation_and_allocate_nothing() {
    // One test, so that no other test thread allocates while the calls are counted.
    points::check(&noop_kind::KIND);
    let (call, through_handle, first) = points::allocations(&noop_kind::KIND, 100);
    assert_eq!(
        call, 0,
        "allocations over 100 calls of `call` on 1,000 implementations"
    );
    assert_eq!(
        through_handle, 0,
        "allocations over 100 calls of `call` through a handle"
    );
    assert_eq!(first, 0, "allocations over 100 calls of `first_some`");
}
