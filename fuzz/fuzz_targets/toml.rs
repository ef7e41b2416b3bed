//! Feeds UTF-8 input as a TOML file to `Loader::load`, then to `discover` and `validate`.
#![no_main]

mod file;

use libfuzzer_sys::fuzz_target;
use plugin_factory::config::Format;

plugin_factory::link_plugins!(example_plugins);

fuzz_target!(|data: &[u8]| file::read(Format::Toml, "fuzz.toml", data));
