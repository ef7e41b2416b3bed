//! The host's side of extension points and services: calling a point on the running plugins,
//! and reaching any plugin's service.

use std::sync::Arc;

use super::PluginManager;
use super::phase::Active;
use crate::extension::{Extension, ExtensionHandle, ServiceError};

/// Extension points and services. Both take `&self`: calls run on any number of threads at
/// once, alongside control operations (which withdraw a plugin from its points before it stops,
/// and wait for the calls in flight that reached it).
impl PluginManager<Active> {
    /// A call to the extension point `E` (a trait object type, `dyn OnRequest`) on every
    /// running plugin that implements it: pick a subset and a result policy on the
    /// [`Extension`]. Calling from inside a plugin access closure or an observer of this manager
    /// is refused ([`CallError::Reentrant`](crate::extension::CallError::Reentrant)); a call
    /// inside a callback is fine.
    ///
    /// ```
    /// use example_plugins::audit_log::AuditSink;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let calls = manager.extension::<dyn AuditSink>().call(|sink| sink.record("host", "checked in"))?;
    /// assert_eq!(calls.reached(), 1, "audit-log implements it");
    /// assert!(calls.failures().is_empty());
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn extension<E: ?Sized + Send + Sync + 'static>(&self) -> Extension<'_, E> {
        self.engine.extension()
    }

    /// The extension point `E`, kept: a handle the host may hand to threads, tasks or a
    /// server's state and call from there for as long as the manager lives (see
    /// [`ExtensionHandle`]). Its calls are made as a plugin's are: they do not refuse to run
    /// inside an access closure, and their failures are recorded by the manager's next
    /// operation.
    ///
    /// ```
    /// use example_plugins::audit_log::AuditSink;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let sinks = manager.extension_handle::<dyn AuditSink>();
    /// let reached = std::thread::spawn(move || {
    ///     sinks.extension().call(|sink| sink.record("worker", "started")).map(|calls| calls.reached())
    /// });
    /// assert_eq!(reached.join().unwrap()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn extension_handle<E: ?Sized + Send + Sync + 'static>(&self) -> ExtensionHandle<E> {
        self.engine.extension_handle()
    }

    /// The service of type `T` that the plugin called `provider` provides. The host may reach
    /// any plugin's services; plugins only those of their declared dependencies.
    ///
    /// ```
    /// use example_plugins::kv_store::Storage;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let storage = manager.service::<dyn Storage>("kv-store")?;
    /// storage.put("answer", "42").expect("room");
    /// assert_eq!(storage.get("answer").as_deref(), Some("42"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn service<T: ?Sized + Send + Sync + 'static>(
        &self,
        provider: &str,
    ) -> Result<Arc<T>, ServiceError> {
        self.engine.service(provider)
    }
}
