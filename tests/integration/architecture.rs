//! The shape of the code (ARCHITECTURE.md): the library crate `certaudit-core` depends on no
//! command-line or terminal crate (Cargo enforces the direction; this checks the manifest
//! that Cargo reads); its top-level modules are layered, lowest first; no two modules import
//! each other, directly or around a loop; and no source file is longer than a reader can hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const CORE_SRC: &str = "crates/certaudit-core/src";
/// The longest a source file in `src/` or `crates/` may be.
const MAX_LINES: usize = 600;

/// Top-level modules of the core crate's `lib.rs`, lowest layer first. Modules of one layer
/// do not use each other.
const LAYERS: &[&[&str]] = &[
    &["digest", "files", "names", "powershell", "text_position", "time"],
    &["x509"],
    &["inventory"],
    &["inputs", "probe", "trust"],
    &["revocation"],
    &["rules"],
    &["waivers"],
    &["report"],
    &["checklist", "history"],
    &["scan"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A module's path inside its crate (`["rules", "expired"]` for `rules/expired.rs`, `["rules"]`
/// for `rules/mod.rs`, `[]` for `lib.rs`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_str().unwrap().to_string())
        .collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "mod.rs" | "lib.rs" | "main.rs" => {}
        other => parts.push(other.trim_end_matches(".rs").to_string()),
    }
    parts
}

/// The source with comments and string literals blanked, so that neither can name a module.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            // A char literal such as '"' must not open a string.
            '\'' if chars.clone().nth(1) == Some('\'') => {
                chars.next();
                chars.next();
                out.push_str("' '");
            }
            other => out.push(other),
        }
    }
    out
}

/// Every path the code names from `crate::`, `super::` or `self::`, resolved against the
/// module it is written in, with `{…}` groups expanded (`use super::{a, b::c}`).
fn named_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b':';
        let rest = &code[i..];
        let (base, skip) = if starts_word && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if starts_word && rest.starts_with("super::") {
            let mut base = module.to_vec();
            let mut skip = 0;
            while code[i + skip..].starts_with("super::") {
                base.pop();
                skip += "super::".len();
            }
            (base, skip)
        } else if starts_word && rest.starts_with("self::") {
            (module.to_vec(), "self::".len())
        } else {
            i += 1;
            continue;
        };
        let end = expand(&code[i + skip..], base, &mut found);
        i += skip + end.max(1);
    }
    found
}

/// Reads `a::b::{c, d::e}` from the start of `text` onto `base`; returns the bytes read.
fn expand(text: &str, base: Vec<String>, found: &mut Vec<Vec<String>>) -> usize {
    let bytes = text.as_bytes();
    let mut path = base;
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i > start {
            path.push(text[start..i].to_string());
        }
        let group = if text[i..].starts_with("::{") {
            Some(3)
        } else if i == 0 && text.starts_with('{') {
            Some(1) // `super::{…}`: the prefix has eaten the `::`
        } else {
            None
        };
        if let Some(open) = group {
            i += open;
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    found.push(path.clone());
                    return i + 1;
                }
                let read = expand(&text[i..], path.clone(), found);
                i += read.max(1);
                // `expand` stops before a separator or after a closing brace of its own.
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'}' {
                    return i + 1;
                }
            }
        } else if text[i..].starts_with("::") && i > start {
            i += 2;
        } else {
            found.push(path);
            return i;
        }
    }
}

/// The longest known module that `path` starts with.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

/// One crate's modules and, for each, the modules it names (itself, its ancestors and its
/// descendants left out: a parent declares and re-exports its children, a child uses its
/// parent's items).
fn module_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_path(src, file);
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        let mut uses = BTreeSet::new();
        for path in named_paths(&module, &code) {
            let Some(target) = resolve(&path, &modules) else {
                continue;
            };
            let nested = target.starts_with(&module) || module.starts_with(&target);
            if !nested {
                uses.insert(target);
            }
        }
        graph.insert(module, uses);
    }
    graph
}

/// The groups of modules that reach each other (Tarjan's strongly connected components of
/// more than one module).
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        groups: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.groups
}

#[test]
fn the_core_crate_depends_on_no_front_end_crate() {
    let manifest = std::fs::read_to_string(Path::new(REPO).join("crates/certaudit-core/Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&manifest).unwrap();
    let deps = manifest["dependencies"].as_table().unwrap();
    assert!(deps.len() > 10, "the core crate's dependencies were not read");
    for front_end in ["clap", "clap_complete", "clap_mangen", "indicatif", "certaudit"] {
        assert!(
            !deps.contains_key(front_end),
            "crates/certaudit-core depends on {front_end}"
        );
    }
}

#[test]
fn every_top_level_module_is_in_a_layer_and_uses_only_lower_layers() {
    let src = Path::new(REPO).join(CORE_SRC);
    let graph = module_graph(&src);
    let mut violations = Vec::new();
    for (module, uses) in &graph {
        let Some(own_name) = module.first() else { continue };
        let Some(own) = layer_of(own_name) else {
            violations.push(format!("module `{own_name}` has no layer in LAYERS"));
            continue;
        };
        for used in uses {
            let Some(used_name) = used.first() else { continue };
            if used_name == own_name {
                continue;
            }
            match layer_of(used_name) {
                Some(l) if l < own => {}
                Some(l) => violations.push(format!(
                    "`{}` (layer {own}) uses `crate::{}` (layer {l})",
                    module.join("::"),
                    used.join("::")
                )),
                None => violations.push(format!("`{}` uses unknown `{used_name}`", module.join("::"))),
            }
        }
    }
    violations.sort();
    violations.dedup();
    assert!(
        violations.is_empty(),
        "dependency order broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_two_modules_import_each_other() {
    for src in [Path::new(REPO).join(CORE_SRC), Path::new(REPO).join("src")] {
        let graph = module_graph(&src);
        let found = cycles(&graph);
        assert!(
            found.is_empty(),
            "{}: import cycles between modules:\n{}",
            src.display(),
            found.iter().map(|g| g.join(" ↔ ")).collect::<Vec<_>>().join("\n")
        );
    }
}

#[test]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let mut files = Vec::new();
    rust_files(&Path::new(REPO).join("src"), &mut files);
    rust_files(&Path::new(REPO).join("crates"), &mut files);
    assert!(files.len() > 60, "the source files were not found");
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn the_checkers_see_what_they_look_for() {
    // The checks above would pass on code they cannot read: make sure the readers read.
    let module = vec!["checklist".to_string(), "plan".to_string()];
    let code = code_only(
        "use super::{selection::reasons, steps::{a, b}};\n// crate::scan in a comment\nlet s = \"crate::x\";\nlet x = crate::time::now(); let q = '\"'; use super::super::report::Report;",
    );
    let mut paths: Vec<String> = named_paths(&module, &code).iter().map(|p| p.join("::")).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "checklist::selection::reasons",
            "checklist::steps::a",
            "checklist::steps::b",
            "report::Report",
            "time::now"
        ]
    );
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    let graph: BTreeMap<_, _> = [
        (m("a"), BTreeSet::from([m("b")])),
        (m("b"), BTreeSet::from([m("c")])),
        (m("c"), BTreeSet::from([m("a")])),
        (m("d"), BTreeSet::from([m("a")])),
    ]
    .into();
    assert_eq!(cycles(&graph), [vec!["a", "b", "c"]]);
}
