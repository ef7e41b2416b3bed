//! The re-entrancy guard: a call that would re-enter the same manager on the same thread (from
//! an access closure or an observer) is refused instead of deadlocking on the manager's locks.

use std::cell::RefCell;

use crate::error::Error;

thread_local! {
    /// The calls in progress on this thread whose re-entry would deadlock: the manager and
    /// the operation.
    static BUSY: RefCell<Vec<(u64, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// Marks this thread busy with an operation on one manager until dropped. Calls on other
/// managers are not affected: a closure on one manager may use another.
pub(super) struct Busy {
    manager: u64,
}

impl Busy {
    pub(super) fn enter(manager: u64, operation: &'static str) -> Result<Self, Error> {
        BUSY.with_borrow_mut(|busy| {
            if let Some(&(_, during)) = busy.iter().find(|(other, _)| *other == manager) {
                return Err(Error::Reentrant { operation, during });
            }
            busy.push((manager, operation));
            Ok(Self { manager })
        })
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
            Err(Error::Reentrant {
                operation: "stop_plugin",
                during: "with_plugin"
            })
        ));
        let inner = Busy::enter(two, "stop_plugin").expect("another manager is not busy");
        drop(inner);
        drop(outer);
        assert!(Busy::enter(one, "stop_plugin").is_ok(), "free again");
    }
}
