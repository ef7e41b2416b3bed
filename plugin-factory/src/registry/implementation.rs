//! What `#[plugin(implements = [...])]` records for a kind: which extension points it
//! implements, how to order it among their other implementations, and how to share an instance
//! so that calls on other threads reach it while it runs.
//!
//! Everything here is a function pointer made by the macro for the concrete plugin type, with
//! the types erased: the registry knows no extension point, only how to reach one.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use crate::contract::Plugin;

/// A plugin instance shared with extension point calls.
pub type Shared = Arc<dyn Any + Send + Sync>;

/// The extension points a kind implements, and how its instances are shared with their calls.
///
/// Made by `#[plugin(implements = [...])]`, which also checks that the kind is `Sync` and
/// implements every trait it names.
pub struct Implementations {
    share: fn(Box<dyn Plugin>) -> Shared,
    as_plugin: fn(&(dyn Any + Send + Sync)) -> &dyn Plugin,
    as_plugin_mut: fn(&mut (dyn Any + Send + Sync)) -> &mut dyn Plugin,
    points: &'static [Implementation],
}

impl Implementations {
    /// The implementations of kind `P`, whose instances are shared as `P` itself.
    pub const fn of<P: Plugin + Sync>(points: &'static [Implementation]) -> Self {
        Self {
            share: share::<P>,
            as_plugin: as_plugin::<P>,
            as_plugin_mut: as_plugin_mut::<P>,
            points,
        }
    }

    /// The extension points, in the order the annotation names them.
    pub fn points(&self) -> &'static [Implementation] {
        self.points
    }

    /// Turns a fresh instance of the kind into one that calls can share.
    pub(crate) fn share(&self, plugin: Box<dyn Plugin>) -> Shared {
        (self.share)(plugin)
    }

    pub(crate) fn as_plugin<'a>(&self, shared: &'a (dyn Any + Send + Sync)) -> &'a dyn Plugin {
        (self.as_plugin)(shared)
    }

    pub(crate) fn as_plugin_mut<'a>(
        &self,
        shared: &'a mut (dyn Any + Send + Sync),
    ) -> &'a mut dyn Plugin {
        (self.as_plugin_mut)(shared)
    }
}

fn share<P: Plugin + Sync>(plugin: Box<dyn Plugin>) -> Shared {
    let plugin: Box<dyn Any> = plugin;
    match plugin.downcast::<P>() {
        Ok(plugin) => Arc::<P>::from(plugin),
        Err(_) => unreachable!("a kind's factory makes instances of the kind's type"),
    }
}

fn as_plugin<P: Plugin + Sync>(shared: &(dyn Any + Send + Sync)) -> &dyn Plugin {
    shared
        .downcast_ref::<P>()
        .expect("a shared instance is of its kind's type")
}

fn as_plugin_mut<P: Plugin + Sync>(shared: &mut (dyn Any + Send + Sync)) -> &mut dyn Plugin {
    shared
        .downcast_mut::<P>()
        .expect("a shared instance is of its kind's type")
}

impl fmt::Debug for Implementations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.points).finish()
    }
}

/// One extension point a kind implements.
pub struct Implementation {
    point: fn() -> TypeId,
    point_name: fn() -> &'static str,
    order: Placement,
    /// An empty table of the point's implementations, type-erased.
    table: fn() -> Box<dyn Any + Send + Sync>,
    /// The shared instance as the point's trait object, type-erased.
    target: fn(&Shared) -> Box<dyn Any>,
}

/// Where an implementation goes among the others of its extension point: see
/// `docs/extension-points.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Higher runs first, among the implementations free to run next. Default 0.
    pub priority: i32,
    /// Plugins (instance or kind names) this one runs before, when they are live.
    pub before: &'static [&'static str],
    /// Plugins (instance or kind names) this one runs after, when they are live.
    pub after: &'static [&'static str],
}

impl Placement {
    /// No priority, no constraint.
    pub const DEFAULT: Self = Self {
        priority: 0,
        before: &[],
        after: &[],
    };
}

impl Implementation {
    /// Made by `#[plugin]` through the crate's hidden support module, which supplies the
    /// functions for one concrete plugin type and trait object.
    #[doc(hidden)]
    pub const fn new(
        point: fn() -> TypeId,
        point_name: fn() -> &'static str,
        order: Placement,
        table: fn() -> Box<dyn Any + Send + Sync>,
        target: fn(&Shared) -> Box<dyn Any>,
    ) -> Self {
        Self {
            point,
            point_name,
            order,
            table,
            target,
        }
    }

    /// The extension point: the `TypeId` of its trait object type.
    pub fn point(&self) -> TypeId {
        (self.point)()
    }

    /// The extension point's name: its trait's path.
    pub fn point_name(&self) -> &'static str {
        (self.point_name)()
    }

    /// Where the implementation goes among the others.
    pub fn placement(&self) -> Placement {
        self.order
    }

    pub(crate) fn table(&self) -> Box<dyn Any + Send + Sync> {
        (self.table)()
    }

    pub(crate) fn target(&self, shared: &Shared) -> Box<dyn Any> {
        (self.target)(shared)
    }
}

impl fmt::Debug for Implementation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Implementation")
            .field("point", &self.point_name())
            .field("placement", &self.order)
            .finish()
    }
}
