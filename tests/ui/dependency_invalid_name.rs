use plugin_factory::{Plugin, plugin};

#[plugin(depends_on = ["clock", "kv_store"])]
#[derive(Default)]
struct AuditLog;

impl Plugin for AuditLog {}

fn main() {}
