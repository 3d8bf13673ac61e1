//! The library's layers import only downwards (ARCHITECTURE.md): the core
//! (records, units, Go times, interned sequences, name matching, errors),
//! then the read layer (`src/read/`), the analyses (`src/analysis/`), the
//! output layer (`src/output/`), and the command line (`src/cli.rs`,
//! `src/cmd/`) on top. A module that names a module of a higher layer
//! (`crate::cmd::...` from `src/analysis/`) fails this test.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: [&str; 5] = ["core", "read", "analysis", "output", "cli"];

/// The layer of a top-level module of the crate (`crate::NAME`).
fn module_layer(name: &str) -> Option<usize> {
    let layer = match name {
        "error" | "units" | "gotime" | "record" | "seqs" | "matcher" | "frame" => "core",
        "read" => "read",
        "analysis" => "analysis",
        "output" => "output",
        "cli" | "cmd" => "cli",
        _ => return None,
    };
    LAYERS.iter().position(|l| *l == layer)
}

/// The layer of a source file, from its path under `src/`.
fn file_layer(path: &Path) -> Option<usize> {
    let rel = path.strip_prefix("src").ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    match name {
        // The binary's own modules sit on top of everything.
        "main" | "present" | "fit" | "progress_bar" => Some(LAYERS.len() - 1),
        "lib" => None,
        _ => module_layer(name),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line of code names as `crate::NAME`, comments
/// left out.
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            names.push(name);
        } else if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c};`
            let group = group.split('}').next().unwrap_or("");
            names.extend(group.split(',').filter_map(|part| {
                let name = part.trim().split("::").next()?.trim();
                (!name.is_empty()).then(|| name.to_owned())
            }));
        }
    }
    names
}

#[test]
fn modules_import_only_their_own_layer_and_those_below() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in &files {
        let Some(layer) = file_layer(path) else {
            assert!(
                path.ends_with("lib.rs"),
                "{}: in no layer (add it to module_layer)",
                path.display()
            );
            continue;
        };
        let text = fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for name in named_modules(line) {
                let Some(target) = module_layer(&name) else { continue };
                checked += 1;
                if target > layer {
                    wrong.push(format!(
                        "{}:{}: the {} layer names crate::{name} (the {} layer)",
                        path.display(),
                        n + 1,
                        LAYERS[layer],
                        LAYERS[target]
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} crate paths found: is this the crate's root?");
    assert!(wrong.is_empty(), "imports up the layers:\n{}", wrong.join("\n"));
}

#[test]
fn crate_paths_are_found_in_code_and_not_in_comments() {
    assert_eq!(named_modules("use crate::read::{self, SourceInfo};"), ["read"]);
    assert_eq!(named_modules("use crate::{error::Error, units};"), ["error", "units"]);
    assert_eq!(named_modules("    let x = crate::cmd::top::run(a); // crate::cli"), ["cmd"]);
    assert!(named_modules("/// See [`crate::cmd::top`].").is_empty());
    assert_eq!(file_layer(Path::new("src/analysis/graph.rs")), Some(2));
    assert_eq!(file_layer(Path::new("src/units.rs")), Some(0));
    assert_eq!(file_layer(Path::new("src/cmd/top.rs")), Some(4));
}

#[test]
fn commands_do_not_import_one_another() {
    let mut files = Vec::new();
    rust_files(Path::new("src/cmd"), &mut files);
    let commands: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_owned))
        .filter(|name| name != "mod")
        .collect();
    assert!(commands.len() > 10, "commands found: {commands:?}");
    let mut wrong = Vec::new();
    for path in &files {
        let own = path.file_stem().unwrap().to_str().unwrap();
        let text = fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for other in &commands {
                let named = [format!("crate::cmd::{other}::"), format!("super::{other}::")]
                    .iter()
                    .any(|p| code.contains(p.as_str()));
                if other != own && named {
                    wrong.push(format!("{}:{}: names cmd::{other}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "commands share code through analysis/ or output/:\n{}",
        wrong.join("\n")
    );
}

/// The modules of `src/DIR/` a file names as `crate::DIR::NAME` (or
/// `super::NAME`), its tests left out.
fn sibling_imports(dir: &str, text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut names = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        for prefix in [format!("crate::{dir}::"), "super::".to_owned()] {
            let mut rest = line;
            while let Some(at) = rest.find(&prefix) {
                rest = &rest[at + prefix.len()..];
                let name: String =
                    rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.push(name);
                } else if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or("");
                    names.extend(group.split(',').filter_map(|part| {
                        let name = part.trim().split("::").next()?.trim();
                        (!name.is_empty() && name != "self").then(|| name.to_owned())
                    }));
                }
            }
        }
    }
    names
}

#[test]
fn no_two_modules_of_a_layer_import_each_other() {
    for dir in ["read", "analysis", "output"] {
        let mut files = Vec::new();
        rust_files(&Path::new("src").join(dir), &mut files);
        // Module name (the first component under DIR) → the modules it names.
        let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for path in &files {
            let rel = path.strip_prefix(Path::new("src").join(dir)).unwrap();
            let first = rel.components().next().unwrap().as_os_str().to_str().unwrap();
            let module = first.strip_suffix(".rs").unwrap_or(first).to_owned();
            if module == "mod" {
                continue;
            }
            let text = fs::read_to_string(path).unwrap();
            let named = edges.entry(module.clone()).or_default();
            for name in sibling_imports(dir, &text) {
                if name != module {
                    named.insert(name);
                }
            }
        }
        let mut circles = Vec::new();
        for (a, named) in &edges {
            for b in named {
                if a < b && edges.get(b).is_some_and(|back| back.contains(a)) {
                    circles.push(format!("{dir}::{a} <-> {dir}::{b}"));
                }
            }
        }
        assert!(circles.is_empty(), "modules that import each other:\n{}", circles.join("\n"));
    }
}
