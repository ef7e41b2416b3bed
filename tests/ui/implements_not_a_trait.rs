use plugin_factory::{Plugin, plugin};

pub struct OnRequest;

#[plugin(implements = [OnRequest])]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
