//! The workspace's structure: the runtime crate's layers point one way, and in no crate does a
//! module reach, directly or through others, back to itself. `docs/architecture.md` describes
//! the layers this test holds the code to.
//!
//! Every `crate::`, `super::` and `self::` path in a source file (comments and the unit tests at
//! the end of a file left out) is an edge from that file's module to the deepest module the path
//! names. `mod x;` declarations are not edges: a parent that only declares a child does not
//! depend on it.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The top-level modules of `plugin-factory`, lowest layer first. A module may refer only to
/// modules of a lower rank (or within itself).
const LAYERS: &[(&str, u8)] = &[
    ("busy", 0),
    ("contract", 0),
    ("lifecycle", 0),
    ("name", 0),
    ("tree", 0),
    ("catch", 1),
    ("policy", 1),
    ("executor", 1),
    ("registry", 1),
    ("fault", 2),
    ("report", 2),
    ("config", 3),
    ("extension", 3),
    ("runtime", 3),
    ("error", 4),
    ("engine", 5),
    ("manager", 6),
    ("testing", 7),
    ("cli", 7),
    ("", 8), // the crate root, lib.rs
];

type Module = Vec<String>;

/// The workspace's crates, by directory.
const CRATES: &[&str] = &[
    "plugin-factory",
    "plugin-factory-macros",
    "plugin-factory-build",
    "example-plugins",
    "bench-plugins",
];

/// Every source file of the runtime crate as (module path, code without comments and tests).
fn modules() -> BTreeMap<Module, String> {
    modules_of("plugin-factory")
}

/// Every source file of the crate in directory `krate` as (module path, code without comments
/// and tests).
fn modules_of(krate: &str) -> BTreeMap<Module, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(krate)
        .join("src");
    let mut modules: BTreeMap<Module, String> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Module = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            // The backends are included under another name (`#[path]`): `registry::backend`.
            if module == ["registry", "linkme"] || module == ["registry", "inventory"] {
                module[1] = "backend".to_owned();
            }
            // Both backends land in `registry::backend`: check the code of each.
            let text = code(&fs::read_to_string(&path).unwrap());
            modules.entry(module).or_default().push_str(&text);
        }
    }
    modules
}

/// The code of a file without comments, and without the unit tests that close it.
fn code(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(tests) => &source[..tests],
        None => source,
    };
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(comment) => &line[..comment],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `module`'s code refers to, other than itself and its own items.
fn references(
    module: &Module,
    code: &str,
    known: &BTreeMap<Module, String>,
) -> Vec<(Module, String)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for start in 0..code.len() {
        if !code.is_char_boundary(start) {
            continue;
        }
        let at_word = start == 0
            || !(bytes[start - 1].is_ascii_alphanumeric()
                || bytes[start - 1] == b'_'
                || bytes[start - 1] == b':');
        if !at_word {
            continue;
        }
        let rest = &code[start..];
        let is_child = |child: &&String| {
            rest.starts_with(child.as_str()) && rest[child.len()..].starts_with("::")
        };
        let base = if rest.starts_with("crate::") {
            Vec::new()
        } else if rest.starts_with("super::") {
            module[..module.len().saturating_sub(1)].to_vec()
        } else if rest.starts_with("self::") || children(module, known).any(|c| is_child(&c)) {
            // `self::x`, or a path that starts with a child module's bare name.
            module.clone()
        } else {
            continue;
        };
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let tail = ["crate::", "super::", "self::"]
            .iter()
            .find_map(|root| path.strip_prefix(root))
            .unwrap_or(&path);
        // `crate::{a, b::C}` names `a` and `b`, not the root.
        let after = &rest[path.len()..];
        let tails: Vec<String> = match group(after).filter(|_| path.ends_with("::")) {
            Some(items) => items.iter().map(|item| format!("{tail}{item}")).collect(),
            None => vec![tail.to_owned()],
        };
        for tail in tails {
            let mut base = base.clone();
            let mut target = base.clone();
            for segment in tail.split("::").filter(|s| !s.is_empty() && *s != "self") {
                base.push(segment.to_owned());
                if known.contains_key(&base) {
                    target = base.clone();
                }
            }
            if &target != module {
                found.push((target, path.clone()));
            }
        }
    }
    found
}

/// The paths of the items of the `{...}` group that `text` starts with (each item's path up to
/// any group of its own), or `None` if it starts with none.
fn group(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('{')?;
    let (mut depth, mut items, mut item) = (0usize, Vec::new(), String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(std::mem::take(&mut item)),
            _ if depth == 0 => item.push(c),
            _ => {}
        }
    }
    items.push(item);
    Some(
        items
            .iter()
            .map(|item| {
                let item = item.trim();
                let path: String = item
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                path
            })
            .filter(|path| !path.is_empty())
            .collect(),
    )
}

/// The names of the modules directly inside `module`.
fn children<'k>(
    module: &'k Module,
    known: &'k BTreeMap<Module, String>,
) -> impl Iterator<Item = &'k String> {
    known
        .keys()
        .filter(move |other| other.len() == module.len() + 1 && other.starts_with(module))
        .map(move |other| &other[module.len()])
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate root".to_owned()
    } else {
        module.join("::")
    }
}

fn rank(module: &Module) -> u8 {
    let top = module.first().map_or("", String::as_str);
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .unwrap_or_else(|| {
            panic!("module {top:?} is in no layer: add it to LAYERS and to docs/architecture.md")
        })
        .1
}

#[test]
fn every_module_is_in_a_layer_and_refers_only_to_lower_layers() {
    let modules = modules();
    assert!(modules.len() > 20, "found only {} modules", modules.len());
    let mut violations = Vec::new();
    for (module, code) in &modules {
        for (target, path) in references(module, code, &modules) {
            let same_top = module.first() == target.first() && !module.is_empty();
            if !same_top && rank(&target) >= rank(module) {
                violations.push(format!("{} -> {} (`{path}`)", name(module), name(&target)));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "references up or across a layer:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_module_reaches_itself_through_others() {
    for krate in CRATES {
        let modules = modules_of(krate);
        assert!(!modules.is_empty(), "{krate}: no sources found");
        if let Some(circle) = circle(&modules) {
            panic!("{krate}: import circle: {}", circle.join(" -> "));
        }
    }
}

/// A circle of imports among `modules`, if there is one.
fn circle(modules: &BTreeMap<Module, String>) -> Option<Vec<String>> {
    let edges: BTreeMap<&Module, Vec<Module>> = modules
        .iter()
        .map(|(module, code)| {
            let mut targets: Vec<_> = references(module, code, modules)
                .into_iter()
                .map(|(target, _)| target)
                .collect();
            targets.sort();
            targets.dedup();
            (module, targets)
        })
        .collect();
    // Depth-first search for a back edge; the path on the stack is the circle.
    fn visit<'m>(
        module: &'m Module,
        edges: &'m BTreeMap<&Module, Vec<Module>>,
        state: &mut BTreeMap<&'m Module, bool>,
        path: &mut Vec<&'m Module>,
    ) -> Option<Vec<String>> {
        match state.get(module) {
            Some(true) => return None,
            Some(false) => {
                let from = path.iter().position(|m| *m == module).unwrap();
                let mut circle: Vec<_> = path[from..].iter().map(|m| name(m)).collect();
                circle.push(name(module));
                return Some(circle);
            }
            None => {}
        }
        state.insert(module, false);
        path.push(module);
        for target in edges.get(module).into_iter().flatten() {
            if let Some(circle) = visit(target, edges, state, path) {
                return Some(circle);
            }
        }
        path.pop();
        state.insert(module, true);
        None
    }
    let mut state = BTreeMap::new();
    edges
        .keys()
        .find_map(|module| visit(module, &edges, &mut state, &mut Vec::new()))
}

/// The names the runtime crate's root exports (modules left out): `pub use` items and
/// exported macros, hidden ones left out.
fn root_names() -> Vec<String> {
    let lib =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin-factory/src/lib.rs"))
            .unwrap();
    let lib = code(&lib);
    let lib = &lib[..lib.find("pub mod __private").unwrap_or(lib.len())];
    let modules = modules();
    // Whether `crate::a::b` (as `a::b`) is one of the crate's modules.
    let is_module = |path: &str| {
        let Some(path) = path.strip_prefix("crate::") else {
            return false;
        };
        let path: Module = path.split("::").map(str::to_owned).collect();
        modules.contains_key(&path)
    };
    let mut names = Vec::new();
    let mut hidden = false;
    let mut lines = lib.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.starts_with("#[doc(hidden)]") {
            hidden = true;
            continue;
        }
        if let Some(path) = line.strip_prefix("pub use ") {
            let mut statement = path.to_owned();
            while !statement.ends_with(';') {
                statement.push_str(lines.next().unwrap().trim());
            }
            let statement = statement.trim_end_matches(';');
            let paths: Vec<String> = match statement.find('{') {
                Some(open) => statement[open + 1..statement.rfind('}').unwrap()]
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| format!("{}{item}", &statement[..open]))
                    .collect(),
                None => vec![statement.to_owned()],
            };
            for path in paths {
                if !hidden && !is_module(&path) {
                    names.push(path.rsplit("::").next().unwrap().to_owned());
                }
            }
        } else if let Some(name) = line.strip_prefix("macro_rules! ")
            && !hidden
        {
            names.push(format!("{}!", name.trim_end_matches(" {")));
        }
        if !line.starts_with("#[") {
            hidden = false;
        }
    }
    names
}

/// The root holds what plugin authors and hosts use every day, at most 16 names; the rest is in
/// named modules (`docs/architecture.md`, "The public API", lists them).
#[test]
fn the_crate_root_exports_at_most_sixteen_names() {
    let names = root_names();
    assert!(names.contains(&"PluginManager".to_owned()), "{names:?}");
    assert!(names.contains(&"link_plugins!".to_owned()), "{names:?}");
    assert!(
        names.len() <= 16,
        "{} names at the root: {names:?}",
        names.len()
    );
    assert!(
        !names.iter().any(|name| name.starts_with("__")),
        "hidden: {names:?}"
    );
}

#[test]
fn the_checker_sees_edges_and_circles() {
    let known: BTreeMap<Module, String> = [
        (vec![], String::new()),
        (vec!["engine".to_owned()], String::new()),
        (vec!["engine".to_owned(), "hooks".to_owned()], String::new()),
        (vec!["report".to_owned()], String::new()),
    ]
    .into_iter()
    .collect();
    let hooks = vec!["engine".to_owned(), "hooks".to_owned()];
    let mut found: Vec<_> = references(
        &hooks,
        "use super::Ops;\nuse crate::report::{A, B};\nlet x = self::y;\nnotcrate::x",
        &known,
    )
    .into_iter()
    .map(|(target, _)| name(&target))
    .collect();
    found.dedup();
    assert_eq!(found, ["engine", "report"]);
    let engine = vec!["engine".to_owned()];
    let found: Vec<_> = references(&engine, "hooks::run(); nothooks::x", &known)
        .into_iter()
        .map(|(target, _)| name(&target))
        .collect();
    assert_eq!(found, ["engine::hooks"]);
    let mut found: Vec<_> = references(
        &vec![],
        "use crate::{engine::hooks, report::{A, B}};",
        &known,
    )
    .into_iter()
    .map(|(target, _)| name(&target))
    .collect();
    found.sort();
    found.dedup();
    assert_eq!(found, ["engine::hooks", "report"]);
    assert_eq!(
        code("a // crate::x\nb\n#[cfg(test)]\nmod tests { crate::y }"),
        "a \nb"
    );
}

/// The engine's call layers (docs/architecture.md, "Call layers"), lowest first: what each
/// file may name of the layers above it. Storage holds values and knows no logic; an `Ops`
/// method works on one operation's view and never reaches the `Engine` that made it; only the
/// engine's entry points (`impl Engine`) build an `Ops`.
const STORAGE: &[&str] = &[
    "graph", "instance", "job", "observe", "options", "order", "publish", "slots",
];

/// Whole words of `code` (identifier characters around `word` do not count).
fn names_word(code: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// The bodies of the `impl` blocks of `code` whose header names `ty`, braces matched.
fn impl_blocks<'c>(code: &'c str, ty: &str) -> Vec<&'c str> {
    let mut blocks = Vec::new();
    let mut rest = 0;
    while let Some(found) = code[rest..].find("impl") {
        let start = rest + found;
        let Some(open) = code[start..].find('{').map(|at| start + at) else {
            break;
        };
        let header = &code[start..open];
        let mut depth = 0usize;
        let mut end = code.len();
        for (at, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + at + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        let is_impl = header.starts_with("impl<") || header.starts_with("impl ");
        if is_impl && !header.contains(" for ") && names_word(header, ty) {
            blocks.push(&code[open..end]);
        }
        rest = end.max(start + 4);
    }
    blocks
}

#[test]
fn the_engine_s_call_layers_point_one_way() {
    let modules = modules();
    let engine = |file: &str| {
        let module = vec!["engine".to_owned(), file.to_owned()];
        (file.to_owned(), modules[&module].clone())
    };
    for (file, code) in STORAGE.iter().map(|file| engine(file)) {
        for logic in ["Engine", "Ops", "Drive", "Direct", "Awaited"] {
            assert!(
                !names_word(&code, logic),
                "engine/{file}.rs is storage but names {logic}"
            );
        }
    }
    let files = modules.keys().filter(|m| m.len() == 2 && m[0] == "engine");
    let mut seen = 0;
    for module in files {
        let code = &modules[module];
        for block in impl_blocks(code, "Ops") {
            seen += 1;
            assert!(
                !names_word(block, "Engine"),
                "engine/{}.rs: an `impl Ops` block names Engine",
                module[1]
            );
        }
    }
    assert!(
        seen > 10,
        "only {seen} `impl Ops` blocks found: the check reads nothing"
    );
    // A reload's planner and an operation's view only read: they name no operation and no
    // drive, and take nothing by `&mut`.
    for reader in ["Planner", "View"] {
        let mut seen = 0;
        for module in modules.keys().filter(|m| m.len() == 2 && m[0] == "engine") {
            for block in impl_blocks(&modules[module], reader) {
                seen += 1;
                for logic in ["Engine", "Ops", "Drive", "Direct", "Awaited"] {
                    assert!(
                        !names_word(block, logic),
                        "engine/{}.rs: an `impl {reader}` block names {logic}",
                        module[1]
                    );
                }
                assert!(
                    !block.contains("&mut self"),
                    "engine/{}.rs: a method of {reader} takes `&mut self`",
                    module[1]
                );
            }
        }
        assert!(
            seen > 0,
            "no `impl {reader}` block found: the check reads nothing"
        );
    }
    // The facades reach the engine only through `Engine`.
    for (module, code) in &modules {
        if matches!(module.first().map(String::as_str), Some("manager" | "cli")) {
            for inner in ["Ops", "Slots", "Drive", "Layout"] {
                assert!(
                    !names_word(code, inner),
                    "{} names the engine's {inner}",
                    name(module)
                );
            }
        }
    }
}

#[test]
fn the_layer_checker_finds_words_and_impl_blocks() {
    assert!(names_word("use super::Ops;", "Ops"));
    assert!(!names_word("OpsLike and MyOps", "Ops"));
    let code = "impl<S> Ops<'_, S> { fn a() { Engine::x() } }\nimpl Engine { fn b() {} }\nimpl Drop for Ops<'_, S> { }";
    let blocks = impl_blocks(code, "Ops");
    assert_eq!(blocks, ["{ fn a() { Engine::x() } }"]);
    assert_eq!(impl_blocks(code, "Engine"), ["{ fn b() {} }"]);
}
