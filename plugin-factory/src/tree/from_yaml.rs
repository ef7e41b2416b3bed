//! YAML 1.2 through `saphyr-parser`, the parser of the maintained `saphyr` project (`serde_yaml`
//! and its fork `serde_yml` are deprecated). Its events carry markers, and building the tree
//! from them here, rather than with `saphyr`'s loader, lets the tree turn keys into strings,
//! point a repeated key at its first occurrence, and bound what aliases expand to.
//!
//! Scalars are typed by the core schema (`null`, `true`, `0x1f`, `1e3`, `.inf`) unless quoted,
//! written as a block, or tagged (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`; other tags
//! are refused). A key is a string as written, so `8080:` and `true:` are the keys `"8080"` and
//! `"true"` (the deserializer reads them back as numbers or flags where the type asks); a list
//! or map as a key is an error.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, Tag};

use super::core_schema::core_schema;
use super::node::{Location, Node, Value};
use super::source::{MAX_DEPTH, MapBuilder, ParseError, Source};

/// How many values, and how many bytes of text (scalars and keys), aliases may add to a file:
/// each alias copies its anchor's value, so a few lines of nested aliases, or of aliases to one
/// long string, could otherwise fill the memory. The text may at most double a file of the
/// loader's default size limit.
const MAX_ALIASED: usize = 100_000;
const MAX_ALIASED_TEXT: usize = 4 << 20;

pub(super) fn parse(source: &Source<'_>) -> Result<Node, ParseError> {
    let mut builder = Builder {
        source,
        stack: Vec::new(),
        steps: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
        aliased: Weight::default(),
    };
    for event in Parser::new_from_str(source.text) {
        let (event, span) = event.map_err(|error| {
            let at = location(source, error.marker());
            match error.info() {
                // The scanner's own limit (255 levels of flow collections) is deeper than ours,
                // and it can stop before the events reach ours: say ours.
                "recursion limit exceeded" => source.too_deep(at),
                info => source.error(info, at),
            }
        })?;
        builder.event(event, span)?;
    }
    Ok(builder
        .root
        .unwrap_or_else(|| Node::new(Value::Null, source.line_column(1, 1))))
}

fn location(source: &Source<'_>, marker: &Marker) -> Location {
    source.line_column(marker.line(), marker.col() + 1)
}

/// A list or map being read.
struct Frame {
    kind: Kind,
    at: Location,
    anchor: usize,
    /// Where it will sit in the tree: a [`Step`] in [`Builder::steps`] (`None` for the root).
    step: Option<u32>,
    /// What it holds so far.
    weight: Weight,
}

/// What a value holds, for the budget of aliases and the depth they reach.
#[derive(Debug, Clone, Copy, Default)]
struct Weight {
    /// Values, itself included.
    values: usize,
    /// Bytes of text: its scalars and keys.
    text: usize,
    /// Levels of collections, itself included (0 for a scalar).
    height: usize,
}

impl Weight {
    fn scalar(text: &str) -> Self {
        Self {
            values: 1,
            text: text.len(),
            height: 0,
        }
    }
}

enum Kind {
    List(Vec<Node>),
    /// A map, and the key read for the value to come.
    Map(MapBuilder, Option<(String, Location)>),
}

impl Kind {
    /// How many values it holds: the position of the next.
    fn len(&self) -> usize {
        match self {
            Kind::List(items) => items.len(),
            Kind::Map(map, _) => map.len(),
        }
    }

    fn child(&self, i: usize) -> Option<&Node> {
        match self {
            Kind::List(items) => items.get(i),
            Kind::Map(map, _) => map.value(i),
        }
    }
}

/// One step of a path from the root of the tree: the position of a value in its collection,
/// and the step of that collection. Anchored collections are found again through their steps,
/// so an anchor costs one step whatever it holds, and a copy is made only by an alias.
struct Step {
    parent: Option<u32>,
    index: u32,
}

/// An anchored value, for its aliases.
enum Anchored {
    /// A scalar: its value, and its text for an alias used as a key.
    Scalar(Node, String),
    /// A list or map: where it sits in the tree, and what it holds.
    Collection { step: u32, weight: Weight },
}

struct Builder<'s, 'a> {
    source: &'s Source<'a>,
    stack: Vec<Frame>,
    steps: Vec<Step>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Node>,
    documents: usize,
    /// What aliases copied so far.
    aliased: Weight,
}

impl Builder<'_, '_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), ParseError> {
        let at = location(self.source, &span.start);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.source.error("more than one YAML document", at));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.wants_key() {
                    // A key is its text; a tag on it must still be one of the schema's, and
                    // fit (`!!int x:` is refused as `!!int x` is).
                    let value = self.scalar(&text, style, tag.as_deref(), &at)?;
                    // An anchored key may be aliased as a value too.
                    if anchor != 0 {
                        let node = Node::new(value, at.clone());
                        self.anchors
                            .insert(anchor, Anchored::Scalar(node, text.to_string()));
                    }
                    self.set_key(text.into_owned(), at);
                } else {
                    let value = self.scalar(&text, style, tag.as_deref(), &at)?;
                    let node = Node::new(value, at);
                    if anchor != 0 {
                        self.anchors
                            .insert(anchor, Anchored::Scalar(node.clone(), text.to_string()));
                    }
                    self.complete(node, Weight::scalar(&text))?;
                }
            }
            Event::Alias(id) => {
                let Some(anchored) = self.anchors.get(&id) else {
                    return Err(self.source.error("unknown alias", at));
                };
                let (weight, key) = match anchored {
                    Anchored::Collection { .. } if self.wants_key() => {
                        return Err(self.source.error("a map key must be a string", at));
                    }
                    Anchored::Scalar(_, text) => (Weight::scalar(text), self.wants_key()),
                    Anchored::Collection { weight, .. } => (*weight, false),
                };
                self.aliased.values += weight.values;
                self.aliased.text += weight.text;
                let message = if self.aliased.values > MAX_ALIASED {
                    format!("aliases expand to more than {MAX_ALIASED} values")
                } else if self.aliased.text > MAX_ALIASED_TEXT {
                    format!("aliases expand to more than {MAX_ALIASED_TEXT} bytes of text")
                } else {
                    String::new()
                };
                if !message.is_empty() {
                    return Err(self.source.error(message, at));
                }
                if key {
                    if let Anchored::Scalar(_, text) = anchored {
                        let text = text.clone();
                        self.set_key(text, at);
                    }
                    return Ok(());
                }
                if self.stack.len() + weight.height > MAX_DEPTH {
                    return Err(self.source.too_deep(at));
                }
                // The alias's own place; what it holds keeps the places it was written at.
                let found = match anchored {
                    Anchored::Scalar(node, _) => Some(node),
                    Anchored::Collection { step, .. } => self.find(*step),
                };
                let Some(found) = found else {
                    return Err(self.source.error("unknown alias", at));
                };
                let value = found.value.clone();
                self.complete(Node::new(value, at), weight)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(Kind::List(Vec::new()), "seq", anchor, tag, at)?;
            }
            Event::MappingStart(anchor, tag) => {
                self.open(
                    Kind::Map(MapBuilder::default(), None),
                    "map",
                    anchor,
                    tag,
                    at,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let value = match frame.kind {
                        Kind::List(items) => Node::new(Value::List(items), frame.at),
                        Kind::Map(map, _) => map.finish(frame.at),
                    };
                    if frame.anchor != 0
                        && let Some(step) = frame.step
                    {
                        let weight = frame.weight;
                        let anchored = Anchored::Collection { step, weight };
                        self.anchors.insert(frame.anchor, anchored);
                    }
                    self.complete(value, frame.weight)?;
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Whether the next value is a key.
    fn wants_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: Kind::Map(_, None),
                ..
            })
        )
    }

    fn set_key(&mut self, key: String, at: Location) {
        if let Some(Frame {
            kind: Kind::Map(_, pending),
            weight,
            ..
        }) = self.stack.last_mut()
        {
            weight.text += key.len();
            *pending = Some((key, at));
        }
    }

    fn open(
        &mut self,
        kind: Kind,
        core_tag: &str,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        at: Location,
    ) -> Result<(), ParseError> {
        if self.wants_key() {
            return Err(self.source.error("a map key must be a string", at));
        }
        if let Some(tag) = tag
            && !(nonspecific(&tag) || tag.is_yaml_core_schema() && tag.suffix == core_tag)
        {
            return Err(self
                .source
                .error(format!("unsupported tag `{}`", name(&tag)), at));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.source.too_deep(at));
        }
        // Its place: the next position in the collection it will end in.
        let step = self.stack.last().map(|parent| {
            let index = u32::try_from(parent.kind.len()).unwrap_or(u32::MAX);
            self.steps.push(Step {
                parent: parent.step,
                index,
            });
            u32::try_from(self.steps.len() - 1).unwrap_or(u32::MAX)
        });
        self.stack.push(Frame {
            kind,
            at,
            anchor,
            step,
            weight: Weight {
                values: 1,
                text: 0,
                height: 1,
            },
        });
        Ok(())
    }

    /// The finished collection at `step`: down the frames still open while the path goes
    /// through the value each is reading, then down the finished values. (`None` cannot
    /// happen: an anchor is remembered once its collection is finished, and a finished value
    /// keeps its place.)
    fn find(&self, step: u32) -> Option<&Node> {
        let mut path = Vec::new();
        let mut next = Some(step);
        while let Some(at) = next {
            let step = self.steps.get(at as usize)?;
            path.push(step.index as usize);
            next = step.parent;
        }
        path.reverse();
        let mut depth = 0;
        let (first, rest) = loop {
            let (frame, &index) = (self.stack.get(depth)?, path.get(depth)?);
            if index < frame.kind.len() {
                break (frame.kind.child(index)?, &path[depth + 1..]);
            }
            // The value this frame is reading holds the collection: the next frame.
            depth += 1;
        };
        rest.iter()
            .try_fold(first, |node, &index| match &node.value {
                Value::List(items) => items.get(index),
                Value::Map(entries) => entries.get(index).map(|(_, value)| value),
                _ => None,
            })
    }

    /// Places a finished value in the collection being read, or as the document.
    fn complete(&mut self, node: Node, weight: Weight) -> Result<(), ParseError> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.weight.values += weight.values;
        frame.weight.text += weight.text;
        frame.weight.height = frame.weight.height.max(weight.height + 1);
        match &mut frame.kind {
            Kind::List(items) => items.push(node),
            Kind::Map(map, key) => {
                if let Some((key, key_at)) = key.take() {
                    map.insert(key, key_at, node)?;
                }
            }
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        at: &Location,
    ) -> Result<Value, ParseError> {
        let Some(tag) = tag else {
            return Ok(match style {
                ScalarStyle::Plain => core_schema(text),
                _ => Value::String(text.to_owned()),
            });
        };
        if nonspecific(tag) {
            return Ok(Value::String(text.to_owned()));
        }
        let typed = core_schema(text);
        let value = match (
            tag.is_yaml_core_schema().then_some(tag.suffix.as_str()),
            typed,
        ) {
            (Some("str"), _) => Some(Value::String(text.to_owned())),
            (Some("null"), Value::Null) => Some(Value::Null),
            (Some("bool"), Value::Bool(flag)) => Some(Value::Bool(flag)),
            (Some("int"), Value::Integer(integer)) => Some(Value::Integer(integer)),
            (Some("float"), Value::Float(float)) => Some(Value::Float(float)),
            (Some("float"), Value::Integer(integer)) => Some(Value::Float(integer as f64)),
            (Some("null" | "bool" | "int" | "float"), _) => None,
            _ => {
                let message = format!("unsupported tag `{}`", name(tag));
                return Err(self.source.error(message, at.clone()));
            }
        };
        value.ok_or_else(|| {
            let message = format!("`{text}` is not a valid `{}`", name(tag));
            self.source.error(message, at.clone())
        })
    }
}

/// Whether a tag is the bare `!`, which makes a scalar a string.
fn nonspecific(tag: &Tag) -> bool {
    tag.handle.is_empty() && tag.suffix == "!"
}

/// A tag as it is written: `!!int`, `!local`, `!<tag:example.com,2000:x>`.
fn name(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else if tag.handle.is_empty() {
        format!("!<{}>", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

#[cfg(test)]
mod tests;
