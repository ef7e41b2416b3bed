//! [`Name`]: the name of a plugin instance, and the rule every such name follows. The bottom
//! layer: it depends on nothing else in the crate.
//!
//! A plugin kind's name is a `&'static str` from its annotation, and without a configuration
//! every instance is named after its kind, so a `Name` either borrows that string (no
//! allocation, copied for free) or shares one allocation made when a configuration named the
//! instance. Both hash, compare and print as the string they hold, so a lookup by `&str` finds
//! either.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// The name of a plugin instance: the kind's own name unless a configuration chose another.
///
/// Cheap to clone (a pointer copy, or one reference-count increment for configured names); it
/// dereferences to `str` and compares equal to the string it holds.
///
/// ```
/// use plugin_factory::runtime::Name;
///
/// let kind = Name::from("kv-store");
/// let configured = Name::new("kv-store".to_string()).unwrap();
/// assert_eq!(kind, configured);
/// assert_eq!(kind, "kv-store");
/// assert!(Name::new("Kv_Store".to_string()).is_err());
/// ```
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

/// The rule every plugin and instance name follows, as error messages state it.
pub(crate) const NAME_RULE: &str = "use 1 to 64 characters from lowercase `a-z`, `0-9` and `-`";

impl Name {
    /// A name chosen at run time (by a configuration, say), checked against the naming rule:
    /// 1 to 64 characters from lowercase `a-z`, `0-9` and `-`.
    pub fn new(name: String) -> Result<Self, InvalidName> {
        match problem(&name) {
            None => Ok(Self(Repr::Shared(name.into()))),
            Some(problem) => Err(InvalidName { name, problem }),
        }
    }

    /// The name as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(name) => name,
            Repr::Shared(name) => name,
        }
    }
}

/// What is wrong with `name` as a plugin or instance name, if anything. (The macro crate checks
/// annotations by the same rule at compile time; it cannot depend on this crate.)
pub(crate) fn problem(name: &str) -> Option<String> {
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return Some(format!("{c:?} is not allowed; {NAME_RULE}"));
    }
    match name.len() {
        0 => Some(format!("it is empty; {NAME_RULE}")),
        len if len > 64 => Some(format!("it is {len} characters long; {NAME_RULE}")),
        _ => None,
    }
}

/// A name that breaks the naming rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid name {name:?}: {problem}")]
pub struct InvalidName {
    /// The name as given.
    pub name: String,
    /// What is wrong with it, and the rule.
    pub problem: String,
}

impl From<&'static str> for Name {
    /// A kind's name from its annotation: the macro has already checked it.
    fn from(name: &'static str) -> Self {
        Self(Repr::Static(name))
    }
}

impl Deref for Name {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Name {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Name {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        same(self.as_str(), other.as_str())
    }
}

/// String equality that first checks whether both are the same string in memory: a kind's
/// name and the instance named after it are, so comparing them costs no byte comparison.
#[inline]
fn same(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Name {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        same(self.as_str(), other)
    }
}

impl PartialEq<&str> for Name {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        same(self.as_str(), other)
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl fmt::Display for Name {
    /// The name, padded to a width if one is given, as `str` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_and_shared_names_are_interchangeable() {
        use std::collections::HashMap;
        let mut index = HashMap::new();
        index.insert(Name::new("kv-primary".to_string()).unwrap(), 1);
        index.insert(Name::from("greeter"), 2);
        assert_eq!(index.get("kv-primary"), Some(&1));
        assert_eq!(index.get("greeter"), Some(&2));
        assert_eq!(format!("{:?}", Name::from("greeter")), "\"greeter\"");
        let (a, b) = (Name::from("a"), Name::new("b".into()).unwrap());
        assert!(a < b, "names order as strings, whatever they hold");
    }

    #[test]
    fn the_rule_is_checked_and_explained() {
        assert!(Name::new("x".repeat(64)).is_ok());
        let long = Name::new("x".repeat(65)).unwrap_err();
        assert!(long.problem.starts_with("it is 65 characters long"));
        let upper = Name::new("Kv".into()).unwrap_err();
        assert_eq!(
            upper.to_string(),
            "invalid name \"Kv\": 'K' is not allowed; use 1 to 64 characters from lowercase `a-z`, `0-9` and `-`"
        );
        assert!(
            Name::new(String::new())
                .unwrap_err()
                .problem
                .starts_with("it is empty")
        );
    }
}
