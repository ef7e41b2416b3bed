use plugin_factory::{Plugin, plugin};

#[plugin(depends_on = ["clock", "audit-log >=1"])]
#[derive(Default)]
struct AuditLog;

impl Plugin for AuditLog {}

fn main() {}
