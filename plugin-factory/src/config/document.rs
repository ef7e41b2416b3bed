//! [`Config`]: a configuration as read, one tree of values that remember where they were read.

use crate::tree::Node;

/// A configuration as read: one tree of values, each with where it was read. Checked against
/// the kinds compiled in when a manager takes it.
///
/// The default is the empty configuration: every kind runs, one instance each.
#[derive(Debug, Clone)]
pub struct Config {
    pub(super) root: Node,
}

impl Config {
    /// The values, as layered.
    pub fn tree(&self) -> &Node {
        &self.root
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            root: Node::empty_map(),
        }
    }
}
