//! The gateway crate's share of a release build: a clean build of the crate (its dependencies already built) and the
//! incremental rebuild after `cargo xtask regen` rewrites a generated file; wall time and cargo's own per-unit timing
//! (`cargo build --timings`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, Clone, Copy, Default)]
pub struct CompileTimes {
    /// Wall time of `cargo build --release -p logto-gateway` after `cargo clean --release -p logto-gateway`.
    pub clean_wall_s: f64,
    /// cargo's timing of the gateway's own units (library and binary) in that build.
    pub clean_units_s: Option<f64>,
    /// Wall time of the rebuild after a generated file is rewritten.
    pub incremental_wall_s: f64,
    pub incremental_units_s: Option<f64>,
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn cargo(root: &Path, args: &[&str]) -> Result<f64, String> {
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed", args.join(" ")));
    }
    Ok(start.elapsed().as_secs_f64())
}

/// The summed duration of the `logto-gateway` units in cargo's timing report.
fn gateway_units(root: &Path) -> Option<f64> {
    let html =
        std::fs::read_to_string(target_dir(root).join("cargo-timings/cargo-timing.html")).ok()?;
    let start = html.find("const UNIT_DATA = ")? + "const UNIT_DATA = ".len();
    let end = start + html[start..].find("];")? + 1;
    let units: serde_json::Value = serde_json::from_str(&html[start..end]).ok()?;
    let total: f64 = units
        .as_array()?
        .iter()
        .filter(|u| u.get("name").and_then(|n| n.as_str()) == Some("logto-gateway"))
        .filter_map(|u| u.get("duration").and_then(serde_json::Value::as_f64))
        .sum();
    (total > 0.0).then_some(total)
}

/// The gateway's release build, with `--timings` (whose report gives the gateway's own units).
const TIMED_BUILD: &[&str] = &[
    "build",
    "--release",
    "--quiet",
    "-p",
    "logto-gateway",
    "--timings",
];

pub fn measure(root: &Path) -> Result<CompileTimes, String> {
    eprintln!("bench: build times of the gateway crate (release)");
    cargo(
        root,
        &["build", "--release", "--quiet", "-p", "logto-gateway"],
    )?;
    cargo(
        root,
        &["clean", "--release", "--quiet", "-p", "logto-gateway"],
    )?;
    let clean_wall_s = cargo(root, TIMED_BUILD)?;
    let clean_units_s = gateway_units(root);
    // What `cargo xtask regen` does to a changed spec: rewrite a generated file.
    let file = root.join("logto-gateway/src/generated/client.rs");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    let incremental_wall_s = cargo(root, TIMED_BUILD)?;
    let incremental_units_s = gateway_units(root);
    Ok(CompileTimes {
        clean_wall_s,
        clean_units_s,
        incremental_wall_s,
        incremental_units_s,
    })
}
