//! weft-core's modules form no import cycle: each module's paths into the crate (`use crate::…`,
//! `crate::…` and `super::…` in code) lead only to modules that do not lead back to it.
//!
//! Files are modules (`a/mod.rs` is `a`, `a/b.rs` is `a::b`); a path names the longest module it
//! starts with. Comments and string literals are ignored, and so are `$crate` paths in macros,
//! which resolve in the crate that expands them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn modules(root: &Path) -> BTreeMap<Module, PathBuf> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).expect("under src").with_extension("");
                let mut module: Module = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                    module.pop();
                }
                found.insert(module, path);
            }
        }
    }
    found
}

/// The source without comments and with string and char literals emptied.
fn code_of(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut code = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = source[i + 2..].find("*/").map_or(bytes.len(), |at| i + 2 + at + 2);
                i = end;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                code.push_str("\"\"");
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') || bytes.get(i + 1) == Some(&b'\\') => {
                // A char literal ('x' or '\n'); a lifetime has no closing quote.
                let end = source[i + 1..].find('\'').map_or(bytes.len(), |at| i + 1 + at + 1);
                i = end;
                code.push_str("' '");
            }
            _ => {
                let c = source[i..].chars().next().expect("in bounds");
                code.push(c);
                i += c.len_utf8();
            }
        }
    }
    code
}

/// Every path in `use` trees (`use a::{b, c::d}` gives `a::b` and `a::c::d`), and every path in
/// code that starts with `crate`, `super` or `self`, as lists of segments.
fn paths_of(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let boundary = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let tree_end = rest[at..].find(';').map_or(rest.len(), |end| at + end);
        if boundary {
            // `a as b` keeps `a`: mark the rename before the whitespace goes.
            let tree = rest[at + 4..tree_end].replace(" as ", "@");
            let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
            expand(&[], &tree, &mut paths);
        }
        rest = &rest[(at + 4).min(rest.len())..];
    }
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '$');
        if starts_word && chars[i].is_alphabetic() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == ':') {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            let segments: Vec<String> = word.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
            if segments.len() > 1 && matches!(segments[0].as_str(), "crate" | "super" | "self") {
                paths.push(segments);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    paths
}

/// Expands a `use` tree (whitespace removed) under `prefix`.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let mut base = prefix.to_vec();
        base.extend(tree[..open].split("::").filter(|s| !s.is_empty()).map(str::to_owned));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let (mut depth, mut start) = (0, 0);
        for (at, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..at], out);
                    start = at + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else if !tree.is_empty() {
        let name = tree.split('@').next().unwrap_or(tree);
        let mut path = prefix.to_vec();
        path.extend(name.split("::").filter(|s| !s.is_empty()).map(str::to_owned));
        out.push(path);
    }
}

/// The module a path from `from` leads to, if it leads into the crate.
fn target(from: &Module, path: &[String], known: &BTreeMap<Module, PathBuf>) -> Option<Module> {
    let (mut base, mut rest): (Module, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (from.clone(), &path[1..]),
        Some("super") => (from.clone(), path),
        // `use child::Item` in a module names its own child module.
        Some(first) if known.contains_key(&[from.as_slice(), &[first.to_owned()]].concat()) => (from.clone(), path),
        _ => return None,
    };
    while rest.first().is_some_and(|s| s == "super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut best = base.clone();
    for segment in rest {
        base.push(segment.clone());
        if known.contains_key(&base) {
            best = base.clone();
        } else {
            break;
        }
    }
    Some(best)
}

fn name(module: &Module) -> String {
    if module.is_empty() { "crate".to_owned() } else { module.join("::") }
}

#[test]
fn no_import_cycle_among_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&root);
    assert!(known.len() > 10, "found the modules of core/src: {:?}", known.keys().collect::<Vec<_>>());
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, file) in &known {
        let code = code_of(&std::fs::read_to_string(file).expect("a readable source file"));
        let targets =
            paths_of(&code).iter().filter_map(|path| target(module, path, &known)).filter(|to| to != module).collect();
        edges.insert(module.clone(), targets);
    }
    if let Some(cycle) = find_cycle(&edges) {
        panic!("weft-core's modules import each other in a cycle: {cycle}");
    }
}

/// A cycle of `edges` (`a -> b -> a`), if there is one: depth-first search for a back edge.
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<String> {
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        if done.contains(start) {
            continue;
        }
        let mut stack: Vec<(Module, Vec<Module>)> = vec![(start.clone(), edges[start].iter().cloned().collect())];
        let mut on_stack: Vec<Module> = vec![start.clone()];
        while let Some((_, next)) = stack.last_mut() {
            match next.pop() {
                Some(to) if on_stack.contains(&to) => {
                    let at = on_stack.iter().position(|m| *m == to).expect("on the stack");
                    let cycle: Vec<String> = on_stack[at..].iter().chain([&to]).map(name).collect();
                    return Some(cycle.join(" -> "));
                }
                Some(to) if !done.contains(&to) => {
                    let successors = edges.get(&to).map(|e| e.iter().cloned().collect()).unwrap_or_default();
                    on_stack.push(to.clone());
                    stack.push((to, successors));
                }
                Some(_) => {}
                None => {
                    let (finished, _) = stack.pop().expect("not empty");
                    on_stack.pop();
                    done.insert(finished);
                }
            }
        }
    }
    None
}

#[test]
fn the_checker_reads_paths_and_finds_cycles() {
    let code = code_of(
        "use crate::a::{b::C, d as last};\n// use crate::zz;\nfn f() { super::x::y(); let s = \"crate::q::r\"; }",
    );
    let paths: Vec<String> = paths_of(&code).iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["crate::a::b::C", "crate::a::d", "crate::a", "super::x::y"]);
    let known: BTreeMap<Module, PathBuf> = [vec![], vec!["a".to_owned()], vec!["a".to_owned(), "b".to_owned()]]
        .into_iter()
        .map(|m| (m, PathBuf::new()))
        .collect();
    let from = vec!["a".to_owned(), "b".to_owned()];
    let up = ["super".to_owned(), "f".to_owned()];
    assert_eq!(target(&from, &up, &known), Some(vec!["a".to_owned()]));
    let down = ["b".to_owned(), "Item".to_owned()];
    assert_eq!(target(&vec!["a".to_owned()], &down, &known), Some(from.clone()));
    assert_eq!(target(&vec!["a".to_owned()], &["std".to_owned(), "fmt".to_owned()], &known), None);
    let module = |m: &str| m.split("::").map(str::to_owned).collect::<Module>();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    edges.insert(module("a"), [module("b")].into());
    edges.insert(module("b"), [module("c")].into());
    edges.insert(module("c"), BTreeSet::new());
    assert_eq!(find_cycle(&edges), None);
    edges.insert(module("c"), [module("a")].into());
    assert_eq!(find_cycle(&edges).as_deref(), Some("a -> b -> c -> a"));
}
