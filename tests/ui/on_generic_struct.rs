use plugin_factory::{Plugin, plugin};

#[plugin]
#[derive(Default)]
struct Cache<T> {
    items: Vec<T>,
}

impl<T: Send + 'static> Plugin for Cache<T> {}

fn main() {
    let _ = Cache::<u8>::default().items;
}
