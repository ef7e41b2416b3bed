//! Configuration: which plugin instances run, of which kind, with what typed config.
//!
//! The binary carries the plugin *kinds* (the registry); a configuration names *instances*.
//! Without one, every kind runs as one instance named after it. A configuration lists
//! instances by name under `plugins`; each has a `kind` (default: its own name), `enabled`
//! (default `true`), a `config` for the kind's typed config (`#[plugin(config = T)]`), and
//! `bind`, which says which instance satisfies a dependency on a kind that has several.
//! `run_unlisted = false` keeps the kinds the configuration does not mention from running.
//!
//! ```toml
//! [plugins.kv-primary]
//! kind = "kv-store"
//!
//! [plugins.kv-replica]
//! kind = "kv-store"
//! config = { capacity = 16 }
//!
//! [plugins.audit-log]
//! bind = { kv-store = "kv-primary" }
//! ```
//!
//! A [`Loader`] reads one from files (TOML, JSON or YAML), environment variables and
//! overrides; every value remembers where it was read, and every [`Problem`] says so. The
//! manager takes it with [`ManagerBuilder::config`](crate::ManagerBuilder::config), and a
//! running manager moves to a new one with [`plan`](crate::PluginManager::plan) and
//! [`apply`](crate::PluginManager::apply). [`schema`] gives the JSON Schema for editors.
//! `docs/configuration.md` is the full guide.

mod document;
mod effective;
mod env;
mod error;
mod file;
mod instance;
mod load;
mod plan;
mod policy;
mod resolve;
mod schema;

pub use self::document::Config;
pub use self::error::ConfigError;
pub use self::load::{DEFAULT_MAX_FILE_SIZE, Loader, MAX_DEPTH};
pub use self::plan::{Applied, Change, Effect, Outcome, Plan, PlannedChange};
pub use self::schema::schema;
pub use crate::tree::{Format, Location, Node, ParseError, Problem, Value, Written};

pub(crate) use self::instance::{Instance, Spec, spec_of};
#[cfg(feature = "cli")]
pub(crate) use self::resolve::nearest;
pub(crate) use self::resolve::{Resolved, resolve, resolve_with};
