use plugin_factory::{Plugin, plugin};

#[plugin(depends_on = ["kv-store", "clock", "kv-store >=1.2"])]
#[derive(Default)]
struct AuditLog;

impl Plugin for AuditLog {}

fn main() {}
