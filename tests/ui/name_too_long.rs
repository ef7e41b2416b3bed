use plugin_factory::{Plugin, plugin};

// 65 characters: one more than the limit of 64.
#[plugin(name = "this-name-is-sixty-five-characters-long-which-is-one-over-the-cap")]
#[derive(Default)]
struct Verbose;

impl Plugin for Verbose {}

fn main() {}
