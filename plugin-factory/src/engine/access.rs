//! Reaching plugin instances: for callers sharing the manager, one plugin at a time, locked for
//! the duration of a closure (and never from inside another call on the same manager); for the
//! owner, borrowed directly, with no lock at all. The manager's accessors are thin wrappers.

use std::any::{Any, TypeId};

use super::Engine;
use super::instance::Instance;
use crate::busy::Busy;
use crate::contract::Plugin;
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::name::Name;

/// Shared access: locks one plugin while `f` runs.
impl Engine {
    /// Runs `f` on the plugin in the slot `find` picks, locked. `operation` names the call for
    /// [`Error::Reentrant`].
    pub(crate) fn with_instance<R>(
        &self,
        operation: &'static str,
        find: impl FnOnce(&Self) -> Result<usize, Error>,
        f: impl FnOnce(&mut dyn Plugin, &Name) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let _busy = Busy::enter(self.id, operation)?;
        let i = find(self)?;
        let mut instance = self.layout.slots.lock_instance(i);
        let name = self.layout.slots.name(i);
        match instance.as_mut() {
            Some(instance) if instance.is_owned() => {
                f(instance.get_mut().expect("an owned instance"), &name)
            }
            Some(instance) => {
                self.with_unshared(i, instance, |instance| match instance.get_mut() {
                    Some(plugin) => f(plugin, &name),
                    None => Err(self.not_live(i)),
                })
            }
            None => Err(self.not_live(i)),
        }
    }

    /// The live plugin of type `T` with the smallest name.
    pub(crate) fn slot_of_type<T: Plugin>(&self) -> Option<usize> {
        let slots = &self.layout.slots;
        let is_a_t = |i: usize| {
            slots.lock_instance(i).as_ref().is_some_and(|instance| {
                let plugin: &dyn Any = instance.get();
                plugin.type_id() == TypeId::of::<T>()
            })
        };
        (0..slots.len())
            .filter(|&i| slots.state(i).is_live() && is_a_t(i))
            .min_by_key(|&i| slots.name(i))
    }

    fn not_live(&self, i: usize) -> Error {
        Error::NotLive {
            plugin: self.layout.slots.name(i),
            state: self.layout.slots.state(i),
        }
    }
}

/// Owner access: no lock, no error built. Not generic, so that every typed accessor shares it
/// and only the downcast is instantiated per type.
impl Engine {
    /// The instance of the plugin called `name`, if it is registered and has one.
    #[inline]
    pub(crate) fn instance_mut(&mut self, name: &str) -> Option<&mut dyn Plugin> {
        let i = self.find(name)?;
        self.owned(i)
    }

    /// The instance of `i` for the owner; a shared one is first taken out of its extension
    /// points until the next call or operation.
    #[inline]
    fn owned(&mut self, i: usize) -> Option<&mut dyn Plugin> {
        if self.layout.slots.entry(i).implementations().is_some() {
            self.unshare(i);
        }
        self.layout.slots.instance_mut(i).as_mut()?.get_mut()
    }

    /// The instance of the live plugin of type `T` with the smallest name.
    pub(crate) fn instance_of_type_mut<T: Plugin>(&mut self) -> Option<&mut dyn Plugin> {
        let i = self.slot_of_type::<T>()?;
        self.owned(i)
    }

    /// Calls `f` on every running plugin, in start order.
    pub(crate) fn for_each_running_mut(&mut self, mut f: impl FnMut(&mut dyn Plugin)) {
        if self.layout.shares {
            for i in 0..self.layout.slots.len() {
                if self.layout.slots.entry(i).implementations().is_some() {
                    self.unshare(i);
                }
            }
        }
        let plan = self.published.plan_mut();
        let slots = &mut self.layout.slots;
        if plan.in_slot_order {
            // Every running plugin is in the order, so walking the slots finds them in it.
            slots.running_mut().for_each(f);
            return;
        }
        for &i in &plan.order {
            if slots.state(i) == PluginState::Running
                && let Some(plugin) = slots.instance_mut(i).as_mut().and_then(Instance::get_mut)
            {
                f(plugin);
            }
        }
    }
}
