//! `graph`: the dependency graph after validation, as Graphviz DOT or Mermaid. An edge points
//! from a plugin to what it depends on; the instances of a kind that has several are grouped;
//! excluded plugins are drawn dashed with their reason, left-out ones dotted, and a dependency
//! on a plugin that does not exist as a node of its own.

use std::fmt::Write as _;

use clap::ValueEnum;
use serde_json::json;

use super::options::{Exit, OutputFormat, Source};
use super::render::{Io, out, print_json};
use super::session::Session;
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::runtime::PluginInfo;

/// The graph language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Style {
    /// Graphviz DOT: `dot -Tpng graph.dot -o graph.png`.
    #[default]
    Dot,
    /// Mermaid, for Markdown that renders it.
    Mermaid,
}

/// One node: an instance, or a dependency that names nothing.
struct Node {
    name: String,
    kind: Option<&'static str>,
    /// `excluded: ...`, `left out`, `missing`, or nothing for a valid plugin.
    note: Option<String>,
    look: Look,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    Valid,
    Excluded,
    LeftOut,
    Missing,
}

/// The nodes, and the edges as (dependent, dependency) node indexes.
fn model(infos: &[PluginInfo]) -> (Vec<Node>, Vec<(usize, usize)>) {
    let mut nodes: Vec<Node> = infos
        .iter()
        .map(|info| {
            let (note, look) = match (info.state(), info.reason()) {
                (_, Some(reason)) => (Some(format!("excluded: {reason}")), Look::Excluded),
                (PluginState::Registered, None) => (Some("left out".to_owned()), Look::LeftOut),
                _ => (None, Look::Valid),
            };
            Node {
                name: info.name().to_string(),
                kind: Some(info.kind()),
                note,
                look,
            }
        })
        .collect();
    let index = |nodes: &[Node], name: &str| nodes.iter().position(|node| node.name == name);
    let mut edges = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        for dependent in info.dependents() {
            if let Some(d) = index(&nodes, dependent.as_str()) {
                edges.push((d, i));
            }
        }
    }
    // A dependency that binds to nothing: on a kind without instances.
    for (i, info) in infos.iter().enumerate() {
        for dependency in info.dependencies() {
            let bound = infos.iter().any(|other| {
                other.kind() == dependency.name() || other.name() == dependency.name()
            });
            if !bound {
                let target = index(&nodes, dependency.name()).unwrap_or_else(|| {
                    nodes.push(Node {
                        name: dependency.name().to_owned(),
                        kind: None,
                        note: Some("missing".to_owned()),
                        look: Look::Missing,
                    });
                    nodes.len() - 1
                });
                edges.push((i, target));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    (nodes, edges)
}

/// The kinds that have several instances, in order of first appearance.
fn grouped_kinds(nodes: &[Node]) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for kind in nodes.iter().filter_map(|node| node.kind) {
        let count = nodes.iter().filter(|node| node.kind == Some(kind)).count();
        if count > 1 && !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds
}

fn label(node: &Node) -> String {
    match &node.note {
        Some(note) => format!("{}\\n{}", node.name, note.replace('"', "'")),
        None => node.name.clone(),
    }
}

fn dot(nodes: &[Node], edges: &[(usize, usize)]) -> String {
    let mut out = String::from("digraph plugins {\n  rankdir=LR;\n  node [shape=box];\n");
    let attributes = |node: &Node| match node.look {
        Look::Valid => String::new(),
        Look::Excluded => ", style=dashed, color=red".to_owned(),
        Look::LeftOut => ", style=dotted, color=gray".to_owned(),
        Look::Missing => ", style=dashed, color=gray, shape=ellipse".to_owned(),
    };
    let node_line =
        |i: usize, node: &Node| format!("n{i} [label=\"{}\"{}];", label(node), attributes(node));
    let grouped = grouped_kinds(nodes);
    for kind in &grouped {
        let _ = writeln!(
            out,
            "  subgraph \"cluster_{kind}\" {{\n    label=\"{kind}\";"
        );
        for (i, node) in nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == Some(kind))
        {
            let _ = writeln!(out, "    {}", node_line(i, node));
        }
        out.push_str("  }\n");
    }
    for (i, node) in nodes.iter().enumerate() {
        if !node.kind.is_some_and(|kind| grouped.contains(&kind)) {
            let _ = writeln!(out, "  {}", node_line(i, node));
        }
    }
    for (from, to) in edges {
        let _ = writeln!(out, "  n{from} -> n{to};");
    }
    out.push('}');
    out
}

fn mermaid(nodes: &[Node], edges: &[(usize, usize)]) -> String {
    let mut out = String::from("flowchart LR\n");
    let node_line = |i: usize, node: &Node| {
        let text = label(node).replace("\\n", "<br>");
        let class = match node.look {
            Look::Valid => "",
            Look::Excluded => ":::excluded",
            Look::LeftOut => ":::leftout",
            Look::Missing => ":::missing",
        };
        format!("n{i}[\"{text}\"]{class}")
    };
    let grouped = grouped_kinds(nodes);
    for kind in &grouped {
        let _ = writeln!(out, "  subgraph {kind}");
        for (i, node) in nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == Some(kind))
        {
            let _ = writeln!(out, "    {}", node_line(i, node));
        }
        out.push_str("  end\n");
    }
    for (i, node) in nodes.iter().enumerate() {
        if !node.kind.is_some_and(|kind| grouped.contains(&kind)) {
            let _ = writeln!(out, "  {}", node_line(i, node));
        }
    }
    for (from, to) in edges {
        let _ = writeln!(out, "  n{from} --> n{to}");
    }
    out.push_str("  classDef excluded stroke:#c00,stroke-dasharray:5 5\n");
    out.push_str("  classDef leftout stroke:#888,stroke-dasharray:2 2\n");
    out.push_str("  classDef missing stroke:#888,stroke-dasharray:5 5");
    out
}

pub(super) fn graph(source: &Source<'_>, style: Style, io: &mut Io<'_>) -> Result<Exit, Error> {
    let (session, manager) = match Session::validated(source, io)? {
        Ok(opened) => opened,
        Err(exit) => return Ok(exit),
    };
    let plugins = manager.plugins();
    session.block_on(manager.shutdown());
    let (nodes, edges) = model(&plugins);
    let text = match style {
        Style::Dot => dot(&nodes, &edges),
        Style::Mermaid => mermaid(&nodes, &edges),
    };
    match source.format() {
        OutputFormat::Text => out!(io, "{text}"),
        OutputFormat::Json => print_json(
            io,
            json!({
                "style": match style { Style::Dot => "dot", Style::Mermaid => "mermaid" },
                "graph": text,
                "nodes": nodes.iter().map(|node| json!({
                    "name": node.name,
                    "kind": node.kind,
                    "note": node.note,
                })).collect::<Vec<_>>(),
                "edges": edges.iter().map(|(from, to)| json!({
                    "from": nodes[*from].name,
                    "to": nodes[*to].name,
                })).collect::<Vec<_>>(),
            }),
        ),
    }
    Ok(Exit::Success)
}
