//! The peer of P1: `bevy_app`, the most used Rust plugin system, doing the same N no-op plugins
//! in the same binary. Its lifecycle is shorter than ours (no order, no dependencies, no state
//! per plugin, no stop or shutdown hooks, no report; a panic is re-raised): an empty `App`, the
//! plugins added (`build` runs), the readiness check, `finish`, `cleanup`, and the drop.

use bevy_app::{App, PluginsState};

/// Bevy's whole plugin lifecycle over the plugins `add` adds; returns whether it got to the end.
pub(crate) fn lifecycle(add: fn(&mut App)) -> bool {
    let mut app = App::empty();
    add(&mut app);
    // What `App::run`'s runner does before the first update: wait until every plugin is ready.
    while app.plugins_state() == PluginsState::Adding {
        std::hint::spin_loop();
    }
    app.finish();
    app.cleanup();
    app.plugins_state() == PluginsState::Cleaned
}

/// How many plugins `add` leaves in an app, for the check that the peer holds the whole set.
pub(crate) fn added(add: fn(&mut App), count: fn(&App) -> usize) -> usize {
    let mut app = App::empty();
    add(&mut app);
    count(&app)
}
