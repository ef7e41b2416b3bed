//! The serde `Deserializer` over a [`Node`], and the accessors of its lists, maps and enums
//! (one module: each makes the other for the values inside).
//!
//! Every request places its error at the node, unless a node inside placed it first. `Text`
//! (from the environment or an override) becomes what the type asks for: a number, a flag, a
//! char, `None` only if null; it is a string otherwise, so text that is not the number asked for
//! fails as serde words it: "invalid type: string \"abc\", expected u16".

use std::slice;

use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

use super::error::{Collector, Error, Fewer};
use crate::tree::node::{Node, Value};

/// A node to deserialize, at its key path.
#[derive(Clone, Copy)]
pub(super) struct NodeDe<'a> {
    node: &'a Node,
    path: &'a str,
    collector: &'a Collector,
    /// Set on the value of a key its struct does not name: ignoring the value records the key.
    unknown: Option<UnknownKey<'a>>,
}

#[derive(Clone, Copy)]
struct UnknownKey<'a> {
    key: &'a str,
    fields: &'static [&'static str],
}

impl<'a> NodeDe<'a> {
    pub(super) fn new(node: &'a Node, path: &'a str, collector: &'a Collector) -> Self {
        Self {
            node,
            path,
            collector,
            unknown: None,
        }
    }

    fn child(self, node: &'a Node, path: &'a str) -> Self {
        Self {
            node,
            path,
            collector: self.collector,
            unknown: None,
        }
    }

    /// Places the error of `result` at this node, unless one inside did.
    fn located<T>(self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|error| error.locate(self.path, self.node))
    }

    /// Notes that this node's text was read as `value` (for [`typed`](super::typed)).
    fn read_as(&self, value: impl FnOnce() -> Value) {
        self.collector.read_as(self.node, value);
    }

    /// What serde's messages call the value.
    fn unexpected(&self) -> Unexpected<'a> {
        match &self.node.value {
            Value::Null => Unexpected::Unit,
            Value::Bool(flag) => Unexpected::Bool(*flag),
            Value::Integer(integer) => match (i64::try_from(*integer), u64::try_from(*integer)) {
                (Ok(signed), _) => Unexpected::Signed(signed),
                (_, Ok(unsigned)) => Unexpected::Unsigned(unsigned),
                _ => Unexpected::Other("an integer past u64"),
            },
            Value::Float(float) => Unexpected::Float(*float),
            Value::String(text) | Value::Text(text) => Unexpected::Str(text),
            Value::List(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    /// The value as it is.
    fn any<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(*flag),
            Value::Integer(integer) => match (i64::try_from(*integer), u64::try_from(*integer)) {
                (Ok(signed), _) => visitor.visit_i64(signed),
                (_, Ok(unsigned)) => visitor.visit_u64(unsigned),
                _ => visitor.visit_i128(*integer),
            },
            Value::Float(float) => visitor.visit_f64(*float),
            Value::String(text) | Value::Text(text) => visitor.visit_str(text),
            Value::List(items) => self.list(items, visitor),
            Value::Map(entries) => self.map(entries, None, visitor),
        }
    }

    /// An integer request; `unsigned` for the unsigned types, which take a `u64`.
    fn integer<'de, V: Visitor<'de>>(self, visitor: V, unsigned: bool) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Integer(integer) if unsigned && *integer >= 0 => match u64::try_from(*integer) {
                Ok(unsigned) => visitor.visit_u64(unsigned),
                Err(_) => visitor.visit_u128(integer.unsigned_abs()),
            },
            Value::Text(text) => match (text.parse::<i64>(), text.parse::<u64>()) {
                (Ok(integer), _) => {
                    self.read_as(|| Value::Integer(integer.into()));
                    if unsigned && integer >= 0 {
                        visitor.visit_u64(integer.unsigned_abs())
                    } else {
                        visitor.visit_i64(integer)
                    }
                }
                (_, Ok(integer)) => {
                    self.read_as(|| Value::Integer(integer.into()));
                    visitor.visit_u64(integer)
                }
                _ => self.float(visitor),
            },
            _ => self.any(visitor),
        }
    }

    fn float<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Text(text) => match text.parse() {
                Ok(float) => {
                    self.read_as(|| Value::Float(float));
                    visitor.visit_f64(float)
                }
                Err(_) => visitor.visit_str(text),
            },
            _ => self.any(visitor),
        }
    }

    fn list<'de, V: Visitor<'de>>(self, items: &'a [Node], visitor: V) -> Result<V::Value, Error> {
        let mut access = List {
            items: items.iter(),
            index: 0,
            parent: self,
        };
        let value = visitor.visit_seq(&mut access)?;
        match access.items.len() {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(
                items.len(),
                &Fewer(access.index, "list"),
            )),
        }
    }

    fn map<'de, V: Visitor<'de>>(
        self,
        entries: &'a [(String, Node)],
        fields: Option<&'static [&'static str]>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let mut access = Map {
            entries: entries.iter(),
            value: None,
            parent: self,
            fields,
            read: 0,
        };
        let value = visitor.visit_map(&mut access)?;
        match access.entries.len() {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(
                entries.len(),
                &Fewer(access.read, "map"),
            )),
        }
    }
}

/// The path of `key` in the map at `parent`.
fn key_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

macro_rules! integers {
    ($($method:ident: $unsigned:expr),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.located(self.integer(visitor, $unsigned))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.located(self.any(visitor))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Text(text) if text == "true" || text == "false" => {
                let flag = text == "true";
                self.read_as(|| Value::Bool(flag));
                visitor.visit_bool(flag)
            }
            _ => self.any(visitor),
        };
        self.located(result)
    }

    integers! {
        deserialize_i8: false, deserialize_i16: false, deserialize_i32: false,
        deserialize_i64: false, deserialize_u8: true, deserialize_u16: true,
        deserialize_u32: true, deserialize_u64: true,
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Text(text) => match text.parse() {
                Ok(integer) => {
                    self.read_as(|| Value::Integer(integer));
                    visitor.visit_i128(integer)
                }
                Err(_) => self.float(visitor),
            },
            _ => self.any(visitor),
        };
        self.located(result)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Integer(integer) if *integer >= 0 => visitor.visit_u128(integer.unsigned_abs()),
            Value::Text(text) => match text.parse::<u128>() {
                Ok(integer) => {
                    if let Ok(integer) = i128::try_from(integer) {
                        self.read_as(|| Value::Integer(integer));
                    }
                    visitor.visit_u128(integer)
                }
                Err(_) => self.integer(visitor, true),
            },
            _ => self.any(visitor),
        };
        self.located(result)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.located(self.float(visitor))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.located(self.float(visitor))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Text(text) | Value::String(text) => {
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (Some(only), None) => visitor.visit_char(only),
                    _ => visitor.visit_str(text),
                }
            }
            _ => self.any(visitor),
        };
        self.located(result)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        self.located(result)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.located(visitor.visit_newtype_struct(self))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Map(entries) => self.map(entries, Some(fields), visitor),
            _ => self.any(visitor),
        };
        self.located(result)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::String(name) | Value::Text(name) => visitor.visit_enum(Variant {
                name,
                content: None,
                parent: self,
            }),
            Value::Map(entries) => match entries.as_slice() {
                [(name, content)] => visitor.visit_enum(Variant {
                    name,
                    content: Some(content),
                    parent: self,
                }),
                _ => Err(de::Error::invalid_value(
                    Unexpected::Map,
                    &"a map with a single key",
                )),
            },
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        };
        self.located(result)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if let Some(UnknownKey { key, fields }) = self.unknown {
            self.collector
                .unknown_key(key, fields, self.path, self.node);
        }
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

/// The items of a list.
struct List<'a> {
    items: slice::Iter<'a, Node>,
    index: usize,
    parent: NodeDe<'a>,
}

impl<'de> SeqAccess<'de> for List<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let path = format!("{}[{}]", self.parent.path, self.index);
        self.index += 1;
        seed.deserialize(self.parent.child(item, &path)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a map; `fields` when it is read as a struct.
struct Map<'a> {
    entries: slice::Iter<'a, (String, Node)>,
    /// The entry whose key was read and whose value is next.
    value: Option<&'a (String, Node)>,
    parent: NodeDe<'a>,
    fields: Option<&'static [&'static str]>,
    read: usize,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        self.read += 1;
        let (key, value) = entry;
        // A key is text: a map with integer keys reads `"8080"` as one. Its errors are placed
        // at the key's path and its value's location.
        let key_node = Node::new(Value::Text(key.clone()), value.at.clone());
        let path = key_path(self.parent.path, key);
        seed.deserialize(self.parent.child(&key_node, &path))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, value)) = self.value.take() else {
            return Err(de::Error::custom(
                "a map value was asked for before its key",
            ));
        };
        let path = key_path(self.parent.path, key);
        let mut child = self.parent.child(value, &path);
        // Only a key that is no field: a field's type may ignore its value (`IgnoredAny`).
        child.unknown = self
            .fields
            .filter(|fields| !fields.contains(&key.as_str()))
            .map(|fields| UnknownKey { key, fields });
        seed.deserialize(child)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum: a string names a unit variant, a map's single key a variant with content.
struct Variant<'a> {
    name: &'a str,
    content: Option<&'a Node>,
    parent: NodeDe<'a>,
}

impl<'de> EnumAccess<'de> for Variant<'_> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name: de::value::StrDeserializer<'_, Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.content {
            None => Ok(()),
            Some(content) => {
                self.with_content(content, |content| de::Deserialize::deserialize(content))
            }
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.content {
            None => Err(self.unit_only("newtype variant")),
            Some(content) => self.with_content(content, |content| seed.deserialize(content)),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.content {
            None => Err(self.unit_only("tuple variant")),
            Some(content) => self.with_content(content, |content| {
                de::Deserializer::deserialize_tuple(content, len, visitor)
            }),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.content {
            None => Err(self.unit_only("struct variant")),
            Some(content) => self.with_content(content, |content| {
                de::Deserializer::deserialize_struct(content, "", fields, visitor)
            }),
        }
    }
}

impl Variant<'_> {
    /// Reads the content of a variant, found under its name.
    fn with_content<T>(
        &self,
        content: &Node,
        read: impl FnOnce(NodeDe<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let path = key_path(self.parent.path, self.name);
        read(NodeDe::new(content, &path, self.parent.collector))
    }

    /// The error for a variant with content written as a bare name.
    fn unit_only(&self, expected: &'static str) -> Error {
        de::Error::invalid_type(Unexpected::UnitVariant, &expected)
    }
}
