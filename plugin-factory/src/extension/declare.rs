//! What `#[plugin(implements = [...])]` expands to, through the crate's hidden support module:
//! one [`Implements`] impl per point (the compile-time check that the kind implements it) and
//! one [`Implementation`] in the kind's entry.

use std::any::{Any, TypeId};
use std::sync::Arc;

use super::point::table;
use crate::contract::Plugin;
use crate::registry::{Implementation, Placement, Shared};

/// Implemented by `#[plugin(implements = [E])]` for the kind and each point `E` it names: the
/// unsizing coercion in `cast` is what checks, at compile time, that the kind implements `E`.
pub trait Implements<E: ?Sized> {
    /// The instance as the point's trait object.
    fn cast(this: Arc<Self>) -> Arc<E>;
}

/// The [`Implementation`] of point `E` by kind `P`.
pub const fn implementation<P, E>(placement: Placement) -> Implementation
where
    P: Implements<E> + Plugin + Sync,
    E: ?Sized + Send + Sync + 'static,
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
