//! [`Name`]: the name of a plugin instance, and the rule every such name follows. The bottom
//! layer: it depends on nothing else in the crate.
//!
//! A kind's name is a `&'static str` from its annotation, and without a configuration every
//! instance is named after its kind. A name that a configuration chose is *interned*: the first
//! time the process sees it, it is stored once for the life of the process, and every later
//! `Name` of the same text points there. So every `Name` is a `&'static str` underneath: copied
//! for free, dropped for free, hashed and compared as the string, found by a lookup with a
//! plain `&str`. Lookups, dispatch and teardown cost what they cost when every name came from
//! an annotation (see `docs/performance.md`). The price is the memory of each distinct
//! configured name, kept until the process ends: at most 64 bytes of text each, and at most
//! [`MAX_INTERNED`] names, so that reloads with ever new names cannot grow it without bound.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Mutex, PoisonError};

/// The name of a plugin instance: the kind's own name unless a configuration chose another.
///
/// `Copy`, and a `&'static str` underneath (see the module docs for how configured names are
/// interned); it dereferences to `str` and compares equal to the string it holds.
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
#[derive(Clone, Copy)]
pub struct Name(&'static str);

/// Every name a configuration chose, stored once.
static INTERNED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// The rule every plugin and instance name follows, as error messages state it.
pub(crate) const NAME_RULE: &str = "use 1 to 64 characters from lowercase `a-z`, `0-9` and `-`";

impl Name {
    /// A name chosen at run time (by a configuration, say), checked against the naming rule:
    /// 1 to 64 characters from lowercase `a-z`, `0-9` and `-`.
    pub fn new(name: String) -> Result<Self, InvalidName> {
        if let Some(problem) = problem(&name) {
            return Err(InvalidName { name, problem });
        }
        // A poisoned lock means a panic while inserting: the set is still a set of names.
        let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
        intern(
            interned.get_or_insert_with(HashSet::new),
            name,
            MAX_INTERNED,
        )
    }

    /// The name as a string slice, which lives as long as the process.
    #[inline]
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// How many distinct configured names a process keeps: about 8 MB at most. Names are kept for
/// the life of the process, so without a bound a service reloaded again and again with new
/// names (a hostile or generated configuration) would grow without end; a name already kept is
/// always found again.
pub(crate) const MAX_INTERNED: usize = 1 << 16;

/// `name` as stored in `interned`, stored now if it is new and `interned` holds fewer than
/// `most`.
fn intern(
    interned: &mut HashSet<&'static str>,
    name: String,
    most: usize,
) -> Result<Name, InvalidName> {
    if let Some(&known) = interned.get(name.as_str()) {
        return Ok(Name(known));
    }
    if interned.len() >= most {
        return Err(InvalidName {
            name,
            problem: format!(
                "this process already keeps {most} distinct configured names, the most it keeps \
                 for its lifetime; reuse a name, or restart it"
            ),
        });
    }
    let stored: &'static str = Box::leak(name.into_boxed_str());
    interned.insert(stored);
    Ok(Name(stored))
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
    #[inline]
    fn from(name: &'static str) -> Self {
        Self(name)
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
    /// As the string hashes, so that a map keyed by names is searched with a `&str`.
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
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
    fn a_process_keeps_a_bounded_number_of_names_and_finds_each_again() {
        // A set of its own, kept in a static as the process's is: what it stores stays
        // reachable (the leak check counts a name no set holds as lost).
        static KEPT: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
        let mut kept = KEPT.lock().unwrap();
        let interned = kept.get_or_insert_with(HashSet::new);
        for name in ["a", "b", "a"] {
            assert_eq!(intern(interned, name.to_owned(), 2).unwrap(), name);
        }
        let refused = intern(interned, "c".to_owned(), 2).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "invalid name \"c\": this process already keeps 2 distinct configured names, the most it keeps for its lifetime; reuse a name, or restart it"
        );
        assert_eq!(intern(interned, "b".to_owned(), 2).unwrap(), "b");
        assert_eq!(interned.len(), 2);
    }

    #[test]
    fn a_configured_name_is_stored_once() {
        let one = Name::new("interned-once".to_string()).unwrap();
        let two = Name::new("interned-once".to_string()).unwrap();
        assert!(std::ptr::eq(one.as_str(), two.as_str()));
    }

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
