//! `rust-version` in Cargo.toml is kept true: no dependency in the lock file asks for a newer
//! Rust than it says (clippy's `incompatible_msrv` checks our own use of the standard library
//! against it), and the setup script installs at least that version. The machines cannot
//! download another toolchain, so the declared minimum must be one they have.

use std::path::Path;
use std::process::Command;

fn version(text: &str) -> Vec<u64> {
    text.split('.')
        .map(|part| {
            part.parse()
                .unwrap_or_else(|_| panic!("{text:?} is not a version"))
        })
        .collect()
}

fn declared() -> String {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap())
            .unwrap();
    manifest["package"]["rust-version"]
        .as_str()
        .expect("Cargo.toml names a rust-version")
        .to_string()
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_dependency_needs_a_newer_rust_than_the_declared_one() {
    let ours = declared();
    let host = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(manifest_dir())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    assert!(packages.len() > 100, "the whole dependency graph is read");
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (version(needs) > version(&ours))
                .then(|| format!("{} {} needs Rust {needs}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version = \"{ours}\" in Cargo.toml is not true: {newer:?}"
    );
}

#[test]
fn the_setup_script_installs_at_least_the_declared_rust() {
    let ours = declared();
    let setup = std::fs::read_to_string(manifest_dir().join("scripts/setup.sh")).unwrap();
    assert!(
        setup.contains(&format!("\\n{ours}.0\\n")),
        "scripts/setup.sh must check for Rust {ours}.0"
    );
}
