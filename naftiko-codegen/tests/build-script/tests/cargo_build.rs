//! The recipe's build script as cargo runs it: the warnings and errors of a spec as cargo shows them, and when
//! cargo runs the build script again. A crate of its own (`target/build-script-check/crate`), with this crate's
//! `build.rs` and an empty library, built offline into a target directory of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use naftiko_codegen::Severity;

const RECIPE: &str = include_str!("../build.rs");
/// The minimal fixture, whose path parameter is not declared: a warning.
const WARNS: &str = include_str!("../../fixtures/minimal/spec.yaml");
/// This crate's spec, without warnings.
const CLEAN: &str = include_str!("../spec.yaml");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// `cargo build -v` of the crate in `dir`; its exit status and what cargo printed on stderr.
fn cargo_build(dir: &Path, target: &Path) -> (Output, String) {
    let out = Command::new(env!("CARGO"))
        .args(["build", "--offline", "-v", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

/// Whether cargo ran the crate's build script in this build (`-v` shows the command).
fn ran_build_script(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.trim_start().starts_with("Running `") && l.contains("build-script-build`"))
}

/// The first line of the first diagnostic of `severity` the compiler gives `spec`: `spec.yaml:LINE:COL: …`.
fn headline(spec: &str, severity: Severity) -> String {
    let compiled = naftiko_codegen::compile(spec);
    let diagnostic = compiled
        .diagnostics
        .sorted()
        .into_iter()
        .find(|d| d.severity == severity)
        .unwrap();
    let rendered = diagnostic.render("spec.yaml", None);
    assert!(rendered.starts_with(&format!("spec.yaml:{}: ", diagnostic.pos)));
    rendered.lines().next().unwrap().to_owned()
}

/// The line of `spec` holding `text` (from 1).
fn line_of(spec: &str, text: &str) -> usize {
    spec.lines().position(|l| l.contains(text)).unwrap() + 1
}

#[test]
fn cargo_shows_the_diagnostics_and_reruns_the_build_script_when_the_spec_changes() {
    let base = root().join("target/build-script-check");
    let dir = base.join("crate");
    let target = base.join("target");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let codegen = root().join("naftiko-codegen").canonicalize().unwrap();
    let manifest = format!(
        "[package]\nname = \"naftiko-build-script-diagnostics\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         # A crate of its own.\n[workspace]\n\n[build-dependencies]\nnaftiko-codegen = {{ path = {:?} }}\n",
        codegen.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file pins the versions the registry cache holds; cargo prunes what is unused.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("build.rs"), RECIPE).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Only the build script matters.\n",
    )
    .unwrap();
    std::fs::write(dir.join("spec.yaml"), WARNS).unwrap();

    // A warning: the build succeeds, and cargo shows the warning at its line and column.
    let (out, stderr) = cargo_build(&dir, &target);
    assert!(out.status.success(), "the build failed:\n{stderr}");
    assert!(ran_build_script(&stderr), "{stderr}");
    let warning = format!(
        "warning: naftiko-build-script-diagnostics@0.0.0: {}",
        headline(WARNS, Severity::Warning)
    );
    assert!(
        stderr.lines().any(|l| l == warning),
        "cargo does not show `{warning}`:\n{stderr}"
    );
    let generated = std::fs::read_dir(target.join("debug/build"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join("out/naftiko.rs"))
        .find(|p| p.is_file());
    assert!(generated.is_some(), "no $OUT_DIR/naftiko.rs");

    // Nothing changed: the build script does not run; another file changed: neither.
    let (out, stderr) = cargo_build(&dir, &target);
    assert!(
        out.status.success() && !ran_build_script(&stderr),
        "{stderr}"
    );
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Only the build script counts.\n",
    )
    .unwrap();
    let (out, stderr) = cargo_build(&dir, &target);
    assert!(
        out.status.success() && !ran_build_script(&stderr),
        "{stderr}"
    );

    // An error: the spec changed, so the build script runs, and the build fails with the rendered error at its line
    // and column, source line and caret included.
    let broken = CLEAN.replacen("call: notes.getnote", "call: notes.nosuchop", 1);
    std::fs::write(dir.join("spec.yaml"), &broken).unwrap();
    let (out, stderr) = cargo_build(&dir, &target);
    assert!(!out.status.success(), "the build succeeded:\n{stderr}");
    assert!(ran_build_script(&stderr), "{stderr}");
    let error = format!("Error: {}", headline(&broken, Severity::Error));
    assert!(
        stderr.lines().any(|l| l.trim_start() == error),
        "cargo does not show `{error}`:\n{stderr}"
    );
    let line = line_of(&broken, "call: notes.nosuchop");
    assert!(
        stderr.contains(&format!("{line} |               call: notes.nosuchop\n")),
        "{stderr}"
    );
}
