//! Configuration: which plugin instances run, of which kind, and with what typed config.

mod instance;

pub(crate) use self::instance::Instance;
