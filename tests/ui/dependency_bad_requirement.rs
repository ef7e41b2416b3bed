use plugin_factory::{Plugin, plugin};

#[plugin(depends_on = ["clock", "kv-store >=x"])]
#[derive(Default)]
struct AuditLog;

impl Plugin for AuditLog {}

fn main() {}
