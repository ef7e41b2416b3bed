//! Property test of dependency resolution over random graphs (cycles, diamonds, missing and
//! duplicate names, version requirements), bounded so that it runs in the normal suite. Whatever
//! the graph, the manager starts, stops and shuts down without panicking; the start order is
//! topological; every live plugin's dependencies are registered once, live, of a matching
//! version and started before it; and every excluded plugin has a reason that holds.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::probe_with;
use plugin_factory::registry::PluginEntry;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::report::ExclusionReason;
use plugin_factory::{PluginManager, PluginState};
use proptest::prelude::*;

/// One plugin of a generated graph: its name, version, and dependencies with requirements.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    version: &'static str,
    dependencies: Vec<(String, &'static str)>,
}

const VERSIONS: [&str; 2] = ["1.0.0", "2.1.0"];
const REQUIREMENTS: [&str; 3] = ["", ">=2", "<2"];

/// A graph of up to 9 plugins named `p0`..: edges to any plugin (itself included, so cycles),
/// to names nobody registers, and sometimes a second plugin under an existing name.
fn graph() -> impl Strategy<Value = Vec<Node>> {
    (1usize..9).prop_flat_map(|n| {
        let node = (
            0..2usize,
            prop::collection::vec((0..n + 2, 0..REQUIREMENTS.len()), 0..4),
        );
        (
            prop::collection::vec(node, n),
            prop::collection::vec(0..n, 0..2),
        )
            .prop_map(move |(nodes, duplicates)| {
                let name = |k: usize| {
                    if k < n {
                        format!("p{k}")
                    } else {
                        format!("ghost{}", k - n)
                    }
                };
                let mut graph: Vec<Node> = nodes
                    .into_iter()
                    .enumerate()
                    .map(|(k, (version, edges))| Node {
                        name: name(k),
                        version: VERSIONS[version],
                        dependencies: edges
                            .into_iter()
                            .map(|(to, requirement)| (name(to), REQUIREMENTS[requirement]))
                            .collect(),
                    })
                    .collect();
                for k in duplicates {
                    let mut twin = graph[k].clone();
                    twin.dependencies.clear();
                    graph.push(twin);
                }
                graph
            })
    })
}

fn entry(node: &Node) -> &'static PluginEntry {
    let name: &'static str = node.name.clone().leak();
    let dependencies: Vec<&'static str> = node
        .dependencies
        .iter()
        .map(|(to, requirement)| -> &'static str {
            if requirement.is_empty() {
                to.clone().leak()
            } else {
                format!("{to} {requirement}").leak()
            }
        })
        .collect();
    probe_with(PluginMetadata::new(name, node.version), &dependencies)
}

fn satisfies(version: &str, requirement: &str) -> bool {
    requirement.is_empty()
        || semver::VersionReq::parse(requirement)
            .unwrap()
            .matches(&semver::Version::parse(version).unwrap())
}

/// Whether `from` reaches itself through registered, uniquely named dependencies.
fn in_cycle(from: &str, by_name: &BTreeMap<&str, Vec<&Node>>) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = vec![from];
    while let Some(at) = stack.pop() {
        for node in by_name.get(at).into_iter().flatten() {
            for (to, _) in &node.dependencies {
                if to == from {
                    return true;
                }
                if seen.insert(to.as_str()) {
                    stack.push(to);
                }
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn resolution_is_topological_and_every_exclusion_holds(graph in graph()) {
        let entries: Vec<&'static PluginEntry> = graph.iter().map(entry).collect();
        let manager = PluginManager::from_entries(entries).unwrap().validate().unwrap();
        let manager = manager.init().unwrap().start().unwrap();
        let live: Vec<String> = manager.live().iter().map(|name| name.to_string()).collect();
        let position = |name: &str| live.iter().position(|l| l == name);
        let mut by_name: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
        for node in &graph {
            by_name.entry(node.name.as_str()).or_default().push(node);
        }
        let report = manager.report();

        for node in &graph {
            let plugin = report.get(&node.name).expect("every plugin is in the report");
            let duplicated = by_name[node.name.as_str()].len() > 1;
            if let Some(at) = position(&node.name) {
                prop_assert!(!duplicated, "{} is live under a duplicated name", node.name);
                for (to, requirement) in &node.dependencies {
                    let dependency = by_name.get(to.as_str());
                    prop_assert!(dependency.is_some_and(|d| d.len() == 1), "{} live without {to}", node.name);
                    let dependency = dependency.unwrap()[0];
                    prop_assert!(satisfies(dependency.version, requirement), "{} live, {to} {requirement} unmet", node.name);
                    let before = position(to);
                    prop_assert!(before.is_some_and(|b| b < at), "{} started before its dependency {to}: {live:?}", node.name);
                }
            } else {
                prop_assert_eq!(plugin.state(), PluginState::Excluded, "{}", node.name);
                let reason = plugin.reason();
                prop_assert!(reason.is_some(), "{} excluded without a reason", node.name);
                // The reason holds.
                let holds = match reason.unwrap() {
                    ExclusionReason::DuplicateName { .. } => duplicated,
                    ExclusionReason::DependencyCycle { .. } => in_cycle(&node.name, &by_name),
                    ExclusionReason::MissingDependency { dependency, .. }
                    | ExclusionReason::DependsOnExcluded { dependency } => {
                        node.dependencies.iter().any(|(to, _)| dependency == to.as_str())
                            && position(dependency).is_none()
                    }
                    ExclusionReason::VersionMismatch { dependency, requirement, found } => {
                        node.dependencies.iter().any(|(to, r)| dependency == to.as_str() && *r == *requirement)
                            && !satisfies(found, requirement)
                    }
                    other => return Err(TestCaseError::fail(format!("{}: unexpected reason {other}", node.name))),
                };
                prop_assert!(holds, "{}: the reason does not hold\n{report}", node.name);
            }
        }
        let report = manager.stop().shutdown();
        for plugin in report.plugins() {
            prop_assert!(!plugin.state().is_live(), "{} still live after shutdown", plugin.name());
        }
    }
}
