//! [`Layers`]: values set one after another over a tree by key path (environment variables,
//! overrides), in time linear in what they set. `Node::set` finds each key by a scan of its map,
//! which is quadratic when thousands of values land in one wide map; here a map that a value
//! is set into is opened once, its keys indexed, and closed back into a [`Node`] at the end.

use super::node::{KeyIndex, Location, Node, Value};

/// A tree being set into.
pub(crate) struct Layers {
    root: Layer,
}

enum Layer {
    /// A value no key path has gone into.
    Closed(Node),
    /// A map a key path went into: its entries, indexed.
    Open(Open),
}

struct Open {
    at: Location,
    entries: Vec<(String, Layer)>,
    index: KeyIndex,
}

impl Layers {
    /// Layers over `root`.
    pub(crate) fn new(root: Node) -> Self {
        Self {
            root: Layer::Closed(root),
        }
    }

    /// Sets `value` at `path`, as [`Node::set`] does: maps made on the way (and a non-map there
    /// replaced) take `value`'s location.
    pub(crate) fn set<'a>(&mut self, path: impl IntoIterator<Item = &'a str>, value: Node) {
        let mut layer = &mut self.root;
        for key in path {
            let open = layer.open(&value.at);
            let i = match open.index.find(&open.entries, key) {
                Some(i) => i,
                None => {
                    let made = Node::empty_map_at(value.at.clone());
                    open.entries.push((key.to_owned(), Layer::Closed(made)));
                    open.index.pushed(&open.entries);
                    open.entries.len() - 1
                }
            };
            layer = &mut open.entries[i].1;
        }
        *layer = Layer::Closed(value);
    }

    /// The tree, with everything set.
    pub(crate) fn finish(self) -> Node {
        self.root.close()
    }
}

impl Layer {
    /// This layer as an open map: a closed map's entries indexed, anything else replaced by an
    /// empty map at `at`.
    fn open(&mut self, at: &Location) -> &mut Open {
        if let Layer::Closed(node) = self {
            let taken = std::mem::replace(node, Node::new(Value::Null, Location::Code));
            let (entries, at) = match taken.value {
                Value::Map(entries) => (entries, taken.at),
                _ => (Vec::new(), at.clone()),
            };
            let entries: Vec<(String, Layer)> = entries
                .into_iter()
                .map(|(key, node)| (key, Layer::Closed(node)))
                .collect();
            let index = KeyIndex::new(&entries);
            *self = Layer::Open(Open { at, entries, index });
        }
        match self {
            Layer::Open(open) => open,
            Layer::Closed(_) => unreachable!("opened above"),
        }
    }

    fn close(self) -> Node {
        match self {
            Layer::Closed(node) => node,
            Layer::Open(open) => {
                let entries = open
                    .entries
                    .into_iter()
                    .map(|(key, layer)| (key, layer.close()))
                    .collect();
                Node::new(Value::Map(entries), open.at)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str, key: &str) -> Node {
        Node::new(
            Value::Text(value.to_owned()),
            Location::Override { key: key.into() },
        )
    }

    /// The same values set through [`Layers`] and one by one through [`Node::set`].
    fn both(root: Node, sets: &[(&str, &str)]) -> (Node, Node) {
        let mut layers = Layers::new(root.clone());
        let mut plain = root;
        for (path, value) in sets {
            layers.set(path.split('.'), text(value, path));
            plain.set(path.split('.'), text(value, path));
        }
        (layers.finish(), plain)
    }

    fn shape(node: &Node) -> String {
        match &node.value {
            Value::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(key, value)| format!("{key}={}@{}", shape(value), value.at))
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            Value::Text(text) => text.clone(),
            other => other.kind().to_owned(),
        }
    }

    #[test]
    fn setting_through_layers_is_setting_one_by_one() {
        let mut root = Node::empty_map();
        root.set(["a", "keep"], Node::new(Value::Bool(true), Location::Code));
        root.set(["s"], Node::new(Value::Integer(1), Location::Code));
        let sets = [
            ("a.b", "1"),
            ("a.c.d", "2"),
            ("a.b", "3"),
            ("s.t", "over a scalar"),
            ("a.c", "replaces a map"),
            ("a.c.e", "and back"),
            ("new", "4"),
        ];
        let (layered, plain) = both(root, &sets);
        assert_eq!(shape(&layered), shape(&plain));
        assert!(layered.same_value(&plain));
    }

    #[test]
    fn many_keys_in_one_map() {
        let sets: Vec<(String, String)> = (0..2_000)
            .map(|i| (format!("wide.k{}", i % 1_500), i.to_string()))
            .collect();
        let sets: Vec<(&str, &str)> = sets.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        let (layered, plain) = both(Node::empty_map(), &sets);
        assert_eq!(shape(&layered), shape(&plain));
    }
}
