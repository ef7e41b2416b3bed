//! What `#[plugin(implements = [...])]` expands to, through the crate's hidden support module:
//! one [`Implements`] impl per point (the compile-time check that the kind implements it) and
//! one [`Implementation`] in the kind's entry.

use std::any::{Any, TypeId};
use std::sync::Arc;

use super::point::table;
use crate::contract::Plugin;
use crate::registry::{Implementation, Implementations, Placement, Shared};

/// Implemented by `#[plugin(implements = [E])]` for the kind and each point `E` it names: the
/// unsizing coercion in `cast` is what checks, at compile time, that the kind implements `E`.
pub trait Implements<E: ?Sized> {
    /// The instance as the point's trait object.
    fn cast(this: Arc<Self>) -> Arc<E>;
}

/// The bound of an extension point: its trait object is `Send + Sync`, since calls reach the
/// implementations from any thread. A trait of its own so that a point without those
/// supertraits is reported as such, at the trait in the annotation.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an extension point: it is not `Send + Sync`",
    label = "an extension point trait needs `Send + Sync` supertraits",
    note = "calls reach the implementations from any thread: declare the trait as `trait Name: Send + Sync {{ ... }}`"
)]
pub trait ExtensionPoint: Send + Sync {}

#[diagnostic::do_not_recommend]
impl<E: ?Sized + Send + Sync> ExtensionPoint for E {}

/// The bound of a kind that implements extension points: it is `Sync`, since calls on any
/// thread share its running instance. A trait of its own so that a kind that is not is reported
/// as such, with what to do.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot implement extension points: it is not `Sync`",
    label = "calls on any thread share an instance of `{Self}`",
    note = "keep the plugin's state in types that are `Sync` (atomics, `Mutex`, `RwLock`, `OnceLock`) instead of `Cell` or `RefCell`"
)]
pub trait SharedKind: Sync {}

#[diagnostic::do_not_recommend]
impl<P: Sync> SharedKind for P {}

/// The [`Implementations`] of kind `P`: [`Implementations::of`], with the bound that reports a
/// kind that is not `Sync` as such.
pub const fn implementations<P: Plugin + SharedKind>(
    points: &'static [Implementation],
) -> Implementations {
    Implementations::of::<P>(points)
}

/// The [`Implementation`] of point `E` by kind `P`.
pub const fn implementation<P, E>(placement: Placement) -> Implementation
where
    P: Implements<E> + Plugin + SharedKind,
    E: ?Sized + ExtensionPoint + 'static,
{
    Implementation::new(
        TypeId::of::<E>,
        point_name::<E>,
        placement,
        table_of::<E>,
        target::<P, E>,
    )
}

/// The point's name: its trait's name without `dyn`, the module path and auto traits
/// (`OnRequest`).
pub(crate) fn point_name<E: ?Sized>() -> &'static str {
    let full = std::any::type_name::<E>();
    let full = full.strip_prefix("dyn ").unwrap_or(full);
    let full = &full[..full.find(" + ").unwrap_or(full.len())];
    let generics = full.find('<').unwrap_or(full.len());
    let start = full[..generics].rfind("::").map_or(0, |at| at + 2);
    &full[start..]
}

fn table_of<E: ?Sized + Send + Sync + 'static>() -> Box<dyn Any + Send + Sync> {
    table::<E>(point_name::<E>())
}

fn target<P, E>(shared: &Shared) -> Box<dyn Any>
where
    P: Implements<E> + Plugin + Sync,
    E: ?Sized + 'static,
{
    let Ok(plugin) = Arc::clone(shared).downcast::<P>() else {
        unreachable!("a shared instance is of its kind's type");
    };
    Box::new(P::cast(plugin))
}

#[cfg(test)]
mod tests {
    use super::*;

    trait OnRequest {}
    trait Generic<T> {}

    #[test]
    fn a_point_is_named_by_its_trait() {
        assert_eq!(point_name::<dyn OnRequest>(), "OnRequest");
        assert_eq!(point_name::<dyn OnRequest + Send>(), "OnRequest");
        assert_eq!(
            point_name::<dyn Generic<std::string::String>>(),
            "Generic<alloc::string::String>"
        );
    }
}
