//! What the file targets share: UTF-8 input read as one configuration file by `Loader::load`,
//! then resolved against the example plugins by `discover` and `validate`.

use plugin_factory::PluginManager;
use plugin_factory::config::{Format, Loader};

pub fn read(format: Format, name: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Loader::new().text(name, format, text).load()
        && let Ok(manager) = PluginManager::builder().config(config).discover()
    {
        let _ = manager.validate();
    }
}
