//! Each feature of the runtime builds on its own (`--no-default-features --features F`): a crate with generated code
//! asks for the features of its modules only (an MCP adapter over HTTP, say, without the REST one), so no feature may
//! lean on what another happens to bring.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

/// The features the runtime's manifest declares, `default` aside.
fn features(manifest: &str) -> Vec<String> {
    let mut in_features = false;
    let mut out = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if in_features
            && let Some((name, _)) = line.split_once('=')
            && !line.starts_with('#')
        {
            let name = name.trim();
            if name != "default" {
                out.push(name.to_owned());
            }
        }
    }
    out
}

#[test]
fn every_feature_builds_alone() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let features = features(&manifest);
    assert!(
        features.len() >= 7 && features.iter().any(|f| f == "mcp-http"),
        "{features:?}"
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    // Not the workspace's target directory, which the running `cargo test` holds: the one where
    // `naftiko-codegen/tests/generated_compiles.rs` checks generated crates, whose dependencies are these.
    let target = dir.join("../../target/tmp/compile-check/target");
    let mut failed = Vec::new();
    for f in &features {
        let out = Command::new(&cargo)
            .args(["check", "--quiet", "--offline", "--no-default-features"])
            .args(["--features", f])
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo check");
        if !out.status.success() {
            failed.push(format!(
                "--features {f}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
