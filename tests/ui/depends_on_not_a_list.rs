use plugin_factory::{Plugin, plugin};

#[plugin(depends_on = "kv-store")]
#[derive(Default)]
struct AuditLog;

impl Plugin for AuditLog {}

fn main() {}
