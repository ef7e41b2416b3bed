//! The re-entrancy guard: a call that would re-enter the same manager on the same thread (from
//! an access closure, an observer, or a callback of an extension point call) is refused instead
//! of deadlocking on the manager's locks or waiting for a call that cannot end. Extension point
//! calls may nest in one another: they take no lock and wait for nothing.

use std::cell::RefCell;

thread_local! {
    /// The calls in progress on this thread whose re-entry would deadlock: the manager and
    /// the operation.
    static BUSY: RefCell<Vec<(u64, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// The operation name of an extension point call, which may nest in another.
pub(crate) const CALL: &str = "extension point call";

/// An operation refused because the thread is inside another on the same manager.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refused {
    pub(crate) operation: &'static str,
    pub(crate) during: &'static str,
}

/// Marks this thread busy with an operation on one manager until dropped. Calls on other
/// managers are not affected: a closure on one manager may use another.
pub(crate) struct Busy {
    manager: u64,
}

impl Busy {
    pub(crate) fn enter(manager: u64, operation: &'static str) -> Result<Self, Refused> {
        BUSY.with_borrow_mut(|busy| {
            let nests = |during: &str| operation == CALL && during == CALL;
            if let Some(&(_, during)) = busy
                .iter()
                .find(|&&(other, during)| other == manager && !nests(during))
            {
                return Err(Refused { operation, during });
            }
            busy.push((manager, operation));
            Ok(Self { manager })
        })
    }
}

impl Busy {
    /// Whether this thread is inside no operation of `manager`.
    pub(crate) fn is_idle(manager: u64) -> bool {
        BUSY.with_borrow(|busy| busy.iter().all(|&(other, _)| other != manager))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.with_borrow_mut(|busy| {
            if let Some(k) = busy.iter().rposition(|(other, _)| *other == self.manager) {
                busy.remove(k);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manager_refuses_re_entry_but_another_manager_is_free() {
        let (one, two) = (1, 2);
        let outer = Busy::enter(one, "with_plugin").unwrap();
        assert!(matches!(
            Busy::enter(one, "stop_plugin"),
            Err(Refused {
                operation: "stop_plugin",
                during: "with_plugin"
            })
        ));
        assert!(Busy::enter(one, CALL).is_err(), "no call inside an access");
        let inner = Busy::enter(two, "stop_plugin").expect("another manager is not busy");
        drop(inner);
        drop(outer);
        assert!(Busy::enter(one, "stop_plugin").is_ok(), "free again");
        assert!(Busy::is_idle(one));
    }

    #[test]
    fn calls_nest_but_nothing_else_enters_a_call() {
        let outer = Busy::enter(7, CALL).unwrap();
        let inner = Busy::enter(7, CALL).expect("a call inside a call");
        assert!(Busy::enter(7, "restart_plugin").is_err());
        drop(inner);
        assert!(!Busy::is_idle(7));
        drop(outer);
        assert!(Busy::is_idle(7));
    }
}
