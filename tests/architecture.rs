//! The layering rules of ARCHITECTURE.md, checked from the source: which top-level module may
//! name which other module of the crate, and which outside crates the pure layers may not use.
//! Reads `src/` as text (paths after `crate::`, `use` lines of outside crates); test modules at
//! the end of a file (`#[cfg(test)]`) are not counted, since tests may build anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the modules of the crate it may name (besides itself).
const MAY_USE: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("protocol", &["core"]),
    ("devices", &["core"]),
    ("printing", &["core", "protocol"]),
    ("identity", &["core", "devices"]),
    ("store", &["core", "protocol"]),
    ("sync", &["core", "protocol", "store", "devices"]),
    (
        "config",
        &["core", "protocol", "devices", "printing", "store"],
    ),
    ("session", &["core", "identity", "devices"]),
    ("ui", &["core", "session", "slint_generated"]),
    // The portal re-checks chip evidence with the kiosk's own ICAO 9303 verification.
    ("portal", &["core", "protocol", "identity"]),
    (
        "appliance",
        &[
            "core", "protocol", "store", "devices", "config", "sync", "printing", "identity",
        ],
    ),
    (
        "app",
        &[
            "core",
            "protocol",
            "store",
            "devices",
            "config",
            "sync",
            "printing",
            "identity",
            "session",
            "ui",
            "appliance",
            "portal",
            "slint_generated",
        ],
    ),
    // The command bodies and the developer tools may use anything.
    ("cli", &["*"]),
    ("tools", &["*"]),
];

/// Outside crates a module may not use: the pure layers do no IO, no async and no UI.
const MAY_NOT_USE: &[(&str, &[&str])] = &[
    (
        "core",
        &[
            "slint", "tokio", "rusqlite", "reqwest", "axum", "std::fs", "std::net",
        ],
    ),
    (
        "protocol",
        &[
            "slint", "tokio", "rusqlite", "reqwest", "axum", "std::fs", "std::net",
        ],
    ),
    (
        "printing",
        &[
            "slint", "tokio", "rusqlite", "reqwest", "std::fs", "std::net",
        ],
    ),
    (
        "session",
        &[
            "slint", "tokio", "rusqlite", "reqwest", "std::fs", "std::net",
        ],
    ),
    ("devices", &["slint", "rusqlite", "reqwest", "axum"]),
    ("store", &["slint", "reqwest", "axum"]),
    ("sync", &["slint", "rusqlite", "axum"]),
    ("ui", &["tokio", "rusqlite", "reqwest", "std::fs"]),
    // The kiosk's database is the store's alone (its connection never leaves it); the
    // portal keeps its own.
    ("identity", &["slint", "rusqlite", "axum"]),
    ("config", &["slint", "rusqlite"]),
    ("appliance", &["rusqlite"]),
    ("app", &["rusqlite"]),
    ("cli", &["rusqlite"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without comments and without its trailing test module.
fn code_of(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    body.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal ("https://…") is not a comment.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules of the crate named as `crate::<name>` in `code`.
fn crate_modules_named(code: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let before = rest[..at].chars().last();
        // `xakiosk::crate::` does not occur; `$crate::` in macros is the same crate.
        if !name.is_empty() && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            named.insert(name);
        }
        rest = after;
    }
    named
}

fn uses_outside(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().last();
        let after = code[at + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && after == Some(':')
    })
}

#[test]
fn every_module_names_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let rules: BTreeMap<&str, &[&str]> = MAY_USE.iter().copied().collect();
    let mut broken = Vec::new();
    let mut unknown = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let Some(top) = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
        else {
            continue;
        };
        let top = top.trim_end_matches(".rs");
        if matches!(top, "lib" | "main") {
            continue;
        }
        let Some(allowed) = rules.get(top) else {
            unknown.insert(top.to_string());
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for named in crate_modules_named(&code) {
            if named != top && !allowed.contains(&"*") && !allowed.contains(&named.as_str()) {
                broken.push(format!(
                    "{}: {top} may not use crate::{named}",
                    relative.display()
                ));
            }
        }
        for (module, forbidden) in MAY_NOT_USE {
            if *module == top {
                for name in forbidden.iter().filter(|n| uses_outside(&code, n)) {
                    broken.push(format!("{}: {top} may not use {name}", relative.display()));
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "top-level modules with no layering rule: {unknown:?}"
    );
    assert!(
        broken.is_empty(),
        "layering rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_checks() {
    let code = code_of(
        "use crate::store::Store; // crate::ui in a comment\nlet u = \"https://x\"; crate::sync::go();\n#[cfg(test)]\nmod tests { use crate::tools; }",
    );
    assert_eq!(
        crate_modules_named(&code),
        ["store", "sync"].into_iter().map(String::from).collect()
    );
    assert!(uses_outside("let f = std::fs::read(p);", "std::fs"));
    assert!(!uses_outside("let f = my_std::fs::read(p);", "std::fs"));
    assert!(uses_outside("use tokio::sync::Notify;", "tokio"));
    assert!(!uses_outside("let tokio_like = 1;", "tokio"));
}
