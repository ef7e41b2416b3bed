// `required` became the failure policy `on_failure = "fail"`: the old flag says so.
use plugin_factory::{Plugin, plugin};

#[plugin(required)]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
