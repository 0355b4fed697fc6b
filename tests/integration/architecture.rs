//! The library's module order (ARCHITECTURE.md, "Dependency order"): a module uses only
//! modules of lower layers, so there are no import cycles; and the library knows nothing of
//! the command line, the terminal or the process (the binary does: `src/main.rs`, `src/cli.rs`,
//! `src/interactive.rs`, which `src/lib.rs` does not declare).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules of `src/lib.rs`, lowest layer first. Modules of one layer do not use
/// each other.
const LAYERS: &[&[&str]] = &[
    &[
        "digest",
        "files",
        "names",
        "powershell",
        "terminal",
        "text_position",
        "time",
    ],
    &["x509"],
    &["inventory"],
    &["inputs", "probe", "trust"],
    &["rules"],
    &["waivers"],
    &["report"],
    &["check", "checklist", "history", "outcome"],
    &["scan"],
    &["settings"],
    &["config"],
    &["fuzzing"],
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

/// The modules `src/lib.rs` declares.
fn library_modules() -> Vec<String> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.strip_prefix("pub mod ").and_then(|l| l.strip_suffix(';')))
        .map(str::to_string)
        .collect()
}

/// The library's source files (not the binary's), each with its top-level module.
fn library_files() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = library_modules();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).unwrap();
            let first = rel.components().next()?.as_os_str().to_str()?.to_string();
            let module = first.trim_end_matches(".rs").to_string();
            modules.contains(&module).then_some((module, p))
        })
        .collect()
}

/// The top-level modules a source text names as `crate::<module>`, outside comments.
fn used_modules(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.insert(name);
            }
            rest = after;
        }
    }
    used
}

#[test]
fn every_module_is_in_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line.strip_prefix("pub mod ").and_then(|l| l.strip_suffix(';')) {
            assert!(
                layer_of(name).is_some(),
                "src/lib.rs declares `{name}`, which has no layer here"
            );
        }
    }
}

#[test]
fn modules_use_only_lower_layers() {
    let mut violations = Vec::new();
    for (module, path) in library_files() {
        let Some(own) = layer_of(&module) else {
            violations.push(format!("{}: module `{module}` has no layer", path.display()));
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        for used in used_modules(&text) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                Some(l) => violations.push(format!(
                    "{}: `{module}` (layer {own}) uses `crate::{used}` (layer {l})",
                    path.display()
                )),
                None => violations.push(format!("{}: uses unknown module `crate::{used}`", path.display())),
            }
        }
    }
    assert!(
        violations.is_empty(),
        "dependency order broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_library_knows_nothing_of_the_command_line_or_the_terminal() {
    let forbidden = [
        "clap::",
        "indicatif::",
        "println!",
        "eprintln!",
        "process::exit",
        "ctrl_c",
    ];
    let mut found = Vec::new();
    for (_, path) in library_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}:{}: {f}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "belongs in the binary (src/main.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    // The test above would pass on files it cannot read: make sure the reader reads.
    let used = used_modules("use crate::report::Report;\n// crate::scan in a comment\nlet x = crate::time::now();");
    assert_eq!(used.into_iter().collect::<Vec<_>>(), ["report", "time"]);
    assert!(library_files().len() > 50, "the library's files were not found");
}
