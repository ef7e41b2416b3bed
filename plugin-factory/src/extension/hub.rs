//! The [`Hub`]: one manager's extension point tables, the services its plugins provide, and
//! what the access rule reads (each instance's declared dependencies and the instances they
//! are bound to).

use std::any::{Any, TypeId};
use std::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use rustc_hash::FxHashMap;

use super::declare::point_name;
use super::error::{CallbackFailure, ServiceError};
use super::point::{Point, Table, Watch};
use crate::name::Name;
use crate::registry::{Implementation, PluginEntry};

/// The instances as the access rule sees them, indexed by slot: the manager's columns (shared)
/// and a copy of its dependency lists, with the index by name made on first use.
#[derive(Debug)]
pub(crate) struct Links {
    pub(crate) names: Arc<[Name]>,
    pub(crate) kinds: Arc<[&'static PluginEntry]>,
    /// The instances each one's dependencies are bound to: `bound[offsets[i]..offsets[i + 1]]`.
    pub(crate) offsets: Box<[u32]>,
    pub(crate) bound: Box<[u32]>,
    index: OnceLock<FxHashMap<Name, usize>>,
}

impl Links {
    pub(crate) fn new(
        names: Arc<[Name]>,
        kinds: Arc<[&'static PluginEntry]>,
        offsets: Box<[u32]>,
        bound: Box<[u32]>,
    ) -> Self {
        Self {
            names,
            kinds,
            offsets,
            bound,
            index: OnceLock::new(),
        }
    }

    fn slot(&self, name: &str) -> Option<usize> {
        self.index
            .get_or_init(|| {
                let mut index = FxHashMap::default();
                for (i, name) in self.names.iter().enumerate() {
                    index.entry(*name).or_insert(i);
                }
                index
            })
            .get(name)
            .copied()
    }

    /// The instance `caller`'s dependency `dependency` (a kind it declared, or the instance
    /// that dependency is bound to) is bound to: `Ok(None)` if declared but bound to none,
    /// `Err(())` if not declared.
    fn dependency(&self, caller: usize, dependency: &str) -> Result<Option<usize>, ()> {
        let range = self.offsets[caller] as usize..self.offsets[caller + 1] as usize;
        let bound = self.bound[range].iter().map(|&b| b as usize);
        let found = bound
            .clone()
            .find(|&b| self.kinds[b].name() == dependency || self.names[b] == dependency);
        if found.is_some() {
            return Ok(found);
        }
        let declared = self.kinds[caller]
            .metadata()
            .dependencies()
            .iter()
            .any(|d| d.name() == dependency);
        if declared { Ok(None) } else { Err(()) }
    }
}

/// A service an instance provides: an `Arc<T>`, kept as `Box<dyn Any>` under `T`'s `TypeId`.
struct Service {
    type_id: TypeId,
    value: Box<dyn Any + Send + Sync>,
}

/// What one instance provides, and whether others may see it now.
#[derive(Default)]
struct Provided {
    services: Vec<Service>,
    /// False from the moment the provider starts to stop until it runs again.
    visible: bool,
}

/// The extension points and services of one manager.
pub(crate) struct Hub {
    /// The table of every point an instance has been live in.
    points: RwLock<FxHashMap<TypeId, Arc<dyn Table>>>,
    links: RwLock<Links>,
    services: RwLock<FxHashMap<usize, Provided>>,
    /// Whether any instance has provided a service: until one has, lifecycle steps skip the
    /// service bookkeeping.
    any_services: AtomicBool,
    /// Failed callbacks not yet recorded by the manager.
    failed: Mutex<Vec<CallbackFailure>>,
    /// Whether `failed` holds any, read by every host's call without the lock.
    queued: AtomicBool,
    /// Set once the manager has shut down (or been dropped): calls through the handles that
    /// outlive it fail.
    closed: AtomicBool,
    /// The testing harness's faults, asked before each callback.
    #[cfg(feature = "testing")]
    faults: Option<&'static crate::fault::Faults>,
}

impl Hub {
    pub(crate) fn new() -> Self {
        Self {
            points: RwLock::new(FxHashMap::default()),
            links: RwLock::new(Links::new(
                Arc::new([]),
                Arc::new([]),
                Box::new([0]),
                Box::new([]),
            )),
            services: RwLock::new(FxHashMap::default()),
            any_services: AtomicBool::new(false),
            failed: Mutex::new(Vec::new()),
            queued: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            #[cfg(feature = "testing")]
            faults: None,
        }
    }

    /// The hub of a manager whose hooks ask `faults` (the testing harness's).
    #[cfg(feature = "testing")]
    pub(crate) fn with_faults(mut self, faults: Option<&'static crate::fault::Faults>) -> Self {
        self.faults = faults;
        self
    }

    /// What the testing harness injected into the callbacks of `plugin`: an error for the
    /// callback to fail with instead of running (or a panic raised here, inside the call's
    /// `catch_unwind`). Always `Ok` without the feature.
    #[inline(always)]
    pub(crate) fn injected(&self, plugin: &str) -> Result<(), crate::contract::PluginError> {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            return faults.trigger(plugin, crate::lifecycle::Hook::Callback);
        }
        let _ = plugin;
        Ok(())
    }

    /// Tells the testing harness that a callback of `plugin` returned (its future, for an
    /// awaited call, ended). Nothing without the feature.
    #[inline(always)]
    pub(crate) fn returned(&self, plugin: &str) {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            faults.returned(plugin, crate::lifecycle::Hook::Callback);
        }
        let _ = plugin;
    }

    /// The table of the point `E`, if an instance has been live in it.
    #[inline]
    pub(crate) fn point<E: ?Sized + Send + Sync + 'static>(&self) -> Option<Arc<dyn Table>> {
        let points = self.points.read().unwrap_or_else(PoisonError::into_inner);
        points.get(&TypeId::of::<E>()).cloned()
    }

    /// The table of the point `E`, made now if no instance has been live in it yet (a historic
    /// call made before any implementation runs must be kept for the first one).
    pub(crate) fn point_or_new<E: ?Sized + Send + Sync + 'static>(&self) -> Arc<dyn Table> {
        if let Some(table) = self.point::<E>() {
            return table;
        }
        let mut points = self.points.write().unwrap_or_else(PoisonError::into_inner);
        points
            .entry(TypeId::of::<E>())
            .or_insert_with(|| Arc::new(Point::<E>::new(point_name::<E>())))
            .clone()
    }

    /// The table of a point by its `TypeId`.
    pub(crate) fn table(&self, point: TypeId) -> Option<Arc<dyn Table>> {
        let points = self.points.read().unwrap_or_else(PoisonError::into_inner);
        points.get(&point).cloned()
    }

    /// The table of the point `implementation` implements, made on first use.
    pub(crate) fn table_for(&self, implementation: &Implementation) -> Arc<dyn Table> {
        if let Some(table) = self.table(implementation.point()) {
            return table;
        }
        let mut points = self.points.write().unwrap_or_else(PoisonError::into_inner);
        points
            .entry(implementation.point())
            .or_insert_with(|| {
                *implementation
                    .table()
                    .downcast::<Arc<dyn Table>>()
                    .unwrap_or_else(|_| unreachable!("a point's table is a `Table`"))
            })
            .clone()
    }

    /// Whether any instance has provided a service.
    #[inline]
    pub(crate) fn has_services(&self) -> bool {
        self.any_services.load(Relaxed)
    }

    /// Replaces what the access rule reads, and moves every implementation and service to its
    /// new slot (`slot_of` gives none for an instance that is gone).
    pub(crate) fn relink(&self, links: Links, slot_of: Option<&dyn Fn(usize) -> Option<usize>>) {
        if let Some(slot_of) = slot_of {
            let points = self.points.read().unwrap_or_else(PoisonError::into_inner);
            for table in points.values() {
                table.relabel(slot_of);
            }
            let mut services = self
                .services
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let moved = std::mem::take(&mut *services)
                .into_iter()
                .filter_map(|(slot, provided)| Some((slot_of(slot)?, provided)))
                .collect();
            *services = moved;
        }
        *self.links.write().unwrap_or_else(PoisonError::into_inner) = links;
    }

    /// The kind of the instance in `slot`, if there is one.
    pub(crate) fn kind_of(&self, slot: usize) -> Option<&'static PluginEntry> {
        let links = self.links.read().unwrap_or_else(PoisonError::into_inner);
        links.kinds.get(slot).copied()
    }

    /// Whether the manager has an instance called `name`.
    pub(crate) fn has_plugin(&self, name: &str) -> bool {
        let links = self.links.read().unwrap_or_else(PoisonError::into_inner);
        links.slot(name).is_some()
    }

    /// Marks the manager shut down: calls through handles fail from now on, and what the hub
    /// still holds of the instances (implementations, services) is let go, so that a handle
    /// that outlives the manager keeps no plugin alive.
    pub(crate) fn close(&self) {
        self.closed.store(true, Release);
        let points = self.points.read().unwrap_or_else(PoisonError::into_inner);
        for table in points.values() {
            table.relabel(&|_| None);
        }
        drop(points);
        self.services
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Whether the manager is shut down.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    /// Keeps failed callbacks for the manager to record.
    pub(crate) fn queue(&self, failures: &[CallbackFailure]) {
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        failed.extend_from_slice(failures);
        self.queued.store(true, Release);
    }

    /// Whether failed callbacks wait to be recorded.
    #[inline]
    pub(crate) fn has_queued(&self) -> bool {
        self.queued.load(Acquire)
    }

    /// The failed callbacks not yet recorded.
    pub(crate) fn take_failures(&self) -> Vec<CallbackFailure> {
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        self.queued.store(false, Release);
        std::mem::take(&mut *failed)
    }
}

/// Services.
impl Hub {
    /// Records `value` (an `Arc<T>`) as the service of type `type_id` of the instance in `slot`,
    /// replacing one of the same type.
    pub(crate) fn provide(&self, slot: usize, type_id: TypeId, value: Box<dyn Any + Send + Sync>) {
        let mut services = self
            .services
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let provided = services.entry(slot).or_default();
        provided.services.retain(|s| s.type_id != type_id);
        provided.services.push(Service { type_id, value });
        provided.visible = true;
        self.any_services.store(true, Relaxed);
    }

    /// Shows or hides the services of `slot`.
    pub(crate) fn set_visible(&self, slot: usize, visible: bool) {
        let mut services = self
            .services
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(provided) = services.get_mut(&slot) {
            provided.visible = visible;
        }
    }

    /// Forgets the instance in `slot`, which is dropped: its services, and which historic calls
    /// it has seen.
    pub(crate) fn forget(&self, slot: usize) {
        for table in self
            .points
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            table.forget(slot);
        }
        let mut services = self
            .services
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        services.remove(&slot);
    }

    /// The service of type `T` of the instance called `provider`, as `caller` may see it: a
    /// plugin only from what it declared in `depends_on` (the instance that dependency is bound
    /// to), the host (`caller` `None`) from anyone.
    pub(crate) fn service<T: ?Sized + Send + Sync + 'static>(
        &self,
        caller: Option<usize>,
        provider: &str,
    ) -> Result<Arc<T>, ServiceError> {
        let service = std::any::type_name::<T>();
        let links = self.links.read().unwrap_or_else(PoisonError::into_inner);
        let slot = match caller {
            None => links
                .slot(provider)
                .ok_or_else(|| ServiceError::UnknownPlugin {
                    provider: provider.to_owned(),
                    service,
                })?,
            Some(caller) => match links.dependency(caller, provider) {
                Ok(Some(slot)) => slot,
                Ok(None) => {
                    return Err(ServiceError::Unavailable {
                        plugin: Some(links.names[caller]),
                        provider: provider.to_owned(),
                        service,
                    });
                }
                Err(()) => {
                    return Err(ServiceError::Undeclared {
                        plugin: links.names[caller],
                        provider: provider.to_owned(),
                        service,
                    });
                }
            },
        };
        let plugin = caller.map(|c| links.names[c]);
        let provider = links.names[slot];
        drop(links);
        let services = self.services.read().unwrap_or_else(PoisonError::into_inner);
        let provided = services.get(&slot);
        if !provided.is_some_and(|p| p.visible) {
            return Err(ServiceError::Unavailable {
                plugin,
                provider: provider.as_str().to_owned(),
                service,
            });
        }
        provided
            .into_iter()
            .flat_map(|p| &p.services)
            .find(|s| s.type_id == TypeId::of::<T>())
            .and_then(|s| s.value.downcast_ref::<Arc<T>>())
            .cloned()
            .ok_or(ServiceError::NotProvided {
                plugin,
                provider,
                service,
            })
    }
}

impl Watch for Hub {
    fn injected(&self, plugin: &str) -> Result<(), crate::contract::PluginError> {
        Hub::injected(self, plugin)
    }

    fn returned(&self, plugin: &str) {
        Hub::returned(self, plugin);
    }
}
