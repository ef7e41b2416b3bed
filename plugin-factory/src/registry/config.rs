//! [`ConfigSpec`]: how the registry reads, checks and applies the typed configuration of a
//! kind built with `#[plugin(config = C)]`, type-erased so that one table holds every kind.

use std::any::Any;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;

use crate::contract::{Configurable, Context, Plugin, PluginError, Reconfigure};
use crate::tree::{self, Node, Problem};
use futures_util::future::BoxFuture;

/// A parsed configuration value, of the kind's config type.
pub type ConfigValue = Box<dyn Any + Send>;

/// Builds an instance from its config value.
type Create = fn(ConfigValue, &Context<'_>) -> Result<Box<dyn Plugin>, PluginError>;

/// Hands a running instance a new config value, in place.
type Apply = fn(&mut dyn Plugin, ConfigValue, &Context<'_>) -> Result<Reconfigure, PluginError>;

/// [`Apply`] as the async manager awaits it.
type ApplyAsync = for<'a> fn(
    &'a mut dyn Plugin,
    ConfigValue,
    &'a Context<'a>,
) -> BoxFuture<'a, Result<Reconfigure, PluginError>>;

/// The typed configuration of one kind: how to read it, what it defaults to, how to build an
/// instance from it and hand a running instance a new one, and its JSON Schema.
///
/// `#[plugin(config = C)]` makes one with [`ConfigSpec::of`]; nothing here is called by name at
/// run time except through these function pointers.
pub struct ConfigSpec {
    type_name: fn() -> &'static str,
    parse: fn(&Node, &str) -> Result<ConfigValue, Vec<Problem>>,
    typed: fn(&Node, &str) -> Node,
    default: fn() -> Option<ConfigValue>,
    create: Create,
    reconfigure: Apply,
    reconfigure_async: ApplyAsync,
    schema: fn(&mut SchemaGenerator) -> Schema,
}

impl ConfigSpec {
    /// The spec of plugin `P` built from config `C`. `default` returns `C::default()` where
    /// `C` has one (the macro decides, since only it sees the concrete type), else `None`.
    pub const fn of<P, C>(default: fn() -> Option<ConfigValue>) -> Self
    where
        P: Configurable<C>,
        C: DeserializeOwned + JsonSchema + Send + 'static,
    {
        Self {
            type_name: std::any::type_name::<C>,
            parse: parse::<C>,
            typed: tree::typed::<C>,
            default,
            create: create::<P, C>,
            reconfigure: reconfigure::<P, C>,
            reconfigure_async: reconfigure_async::<P, C>,
            schema: schema::<C>,
        }
    }

    /// The config type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }

    /// Reads the config found at key path `path`.
    pub fn parse(&self, node: &Node, path: &str) -> Result<ConfigValue, Vec<Problem>> {
        (self.parse)(node, path)
    }

    /// The config found at `path` with its text values typed as this kind's type reads them
    /// (`"30"` from an override becomes the number a `u32` field read), for showing it.
    pub(crate) fn typed(&self, node: &Node, path: &str) -> Node {
        (self.typed)(node, path)
    }

    /// The config of an instance that has none: the type's `Default`, if it has one.
    pub fn default_value(&self) -> Option<ConfigValue> {
        (self.default)()
    }

    /// Builds an instance from a value that [`parse`](Self::parse) or
    /// [`default_value`](Self::default_value) returned.
    pub fn create(
        &self,
        config: ConfigValue,
        ctx: &Context<'_>,
    ) -> Result<Box<dyn Plugin>, PluginError> {
        (self.create)(config, ctx)
    }

    /// Hands a running instance of this kind a new config.
    pub fn reconfigure(
        &self,
        plugin: &mut dyn Plugin,
        config: ConfigValue,
        ctx: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        (self.reconfigure)(plugin, config, ctx)
    }

    /// Hands a running instance of this kind a new config, the async way: an async plugin's
    /// [`AsyncConfigurable::reconfigure`](crate::AsyncConfigurable::reconfigure) (the sync one,
    /// ready at once, for a plugin that implements only [`Configurable`]).
    pub fn reconfigure_async<'a>(
        &self,
        plugin: &'a mut dyn Plugin,
        config: ConfigValue,
        ctx: &'a Context<'a>,
    ) -> BoxFuture<'a, Result<Reconfigure, PluginError>> {
        (self.reconfigure_async)(plugin, config, ctx)
    }

    /// The config type's schema, its definitions gathered in `generator`.
    pub fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        (self.schema)(generator)
    }
}

impl fmt::Debug for ConfigSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigSpec")
            .field("type", &self.type_name())
            .finish_non_exhaustive()
    }
}

fn parse<C: DeserializeOwned + Send + 'static>(
    node: &Node,
    path: &str,
) -> Result<ConfigValue, Vec<Problem>> {
    tree::deserialize::<C>(node, path).map(|config| Box::new(config) as ConfigValue)
}

/// The one place a config value meets its type: every value handed in was made by this
/// kind's own `parse` or `default`, so the type matches.
fn typed<C: 'static>(config: ConfigValue) -> C {
    *config
        .downcast::<C>()
        .expect("a kind's config value is of the kind's config type")
}

fn create<P: Configurable<C>, C: 'static>(
    config: ConfigValue,
    ctx: &Context<'_>,
) -> Result<Box<dyn Plugin>, PluginError> {
    P::from_config(typed(config), ctx).map(|plugin| Box::new(plugin) as Box<dyn Plugin>)
}

fn reconfigure<P: Configurable<C>, C: 'static>(
    plugin: &mut dyn Plugin,
    config: ConfigValue,
    ctx: &Context<'_>,
) -> Result<Reconfigure, PluginError> {
    let plugin = (plugin as &mut dyn Any)
        .downcast_mut::<P>()
        .expect("an instance is of its kind's type");
    plugin.reconfigure(typed(config), ctx)
}

fn reconfigure_async<'a, P: Configurable<C>, C: 'static>(
    plugin: &'a mut dyn Plugin,
    config: ConfigValue,
    ctx: &'a Context<'a>,
) -> BoxFuture<'a, Result<Reconfigure, PluginError>> {
    let plugin = (plugin as &mut dyn Any)
        .downcast_mut::<P>()
        .expect("an instance is of its kind's type");
    plugin.reconfigure_boxed(typed(config), ctx)
}

fn schema<C: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<C>()
}
