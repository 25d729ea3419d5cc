//! Project tasks: `cargo xtask regen [--check]`, `cargo xtask vendor-client DIR`, `cargo xtask bench [--peers]`,
//! `cargo xtask test`, `cargo xtask fetch-openapi URL`. The bench is a crate of its own (`xtask/bench/`), which
//! `cargo xtask bench` runs.

pub mod openapi;
pub mod test;

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The exit code a failed process ends this command with: its own, or 128 + the signal that ended it.
pub fn exit_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(c), _) => u8::try_from(c).ok().filter(|c| *c != 0).unwrap_or(1),
        (None, Some(s)) => u8::try_from(128 + s).unwrap_or(1),
        (None, None) => 1,
    }
}

/// `cargo xtask bench ARGS`: runs the bench's crate (`xtask/bench/`, package `xtask-bench`) with `args`; the exit
/// code is the bench's. The bench is a crate of its own so that the other tasks build without its dependencies.
///
/// A Ctrl-C at the terminal reaches the whole foreground process group, so the bench gets it too: it stops every
/// process it started and exits. This process ignores it and waits for the bench, so that it does not end first.
pub fn bench(root: &Path, args: &[OsString]) -> ExitCode {
    let _ = ctrlc::set_handler(|| {});
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask-bench",
            "--bin",
            "xtask-bench",
            "--",
        ])
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(exit_code(s)),
        Err(e) => {
            eprintln!("bench: cannot run cargo: {e}");
            ExitCode::from(1)
        }
    }
}

/// One spec and the directory its generated files live in.
#[derive(Debug, Clone)]
pub struct Target {
    /// The spec, relative to the workspace root (also how the preamble names it).
    pub spec: String,
    /// The output directory, relative to the workspace root.
    pub out: String,
}

/// The gateway's spec, and every golden fixture of the compiler (`naftiko-codegen/tests/fixtures/NAME/spec.yaml` →
/// `…/NAME/expected/`). Fixtures whose spec is meant to fail (`…/errors/`) are not targets.
pub fn targets(root: &Path) -> Vec<Target> {
    let mut targets = vec![Target {
        spec: "spec/logto.naftiko.yaml".into(),
        out: "logto-gateway/src/generated".into(),
    }];
    let fixtures = root.join("naftiko-codegen/tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("spec.yaml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for n in names {
        targets.push(Target {
            spec: format!("naftiko-codegen/tests/fixtures/{n}/spec.yaml"),
            out: format!("naftiko-codegen/tests/fixtures/{n}/expected"),
        });
    }
    targets
}

/// What `regen` found or did for one target.
#[derive(Debug)]
pub struct Outcome {
    pub target: Target,
    /// Files written (regen) or found stale (check).
    pub files: Vec<PathBuf>,
    /// Warnings of the spec, rendered.
    pub rendered: String,
}

/// What the preamble of the files `regen` writes names as their maker.
pub const REGEN: &str = "`cargo xtask regen`";

/// The compiler's configuration for the spec `spec` (relative to the workspace root), with the renames of its rename
/// file (`SPEC.renames` next to `SPEC.yaml`) and its OpenAPI document (`SPEC.openapi.json`, see
/// [`naftiko_codegen::openapi::beside`]) when it has them: module files, made by [`REGEN`].
pub fn config(root: &Path, spec: &str) -> Result<naftiko_codegen::Config, String> {
    let path = root.join(spec);
    let renames = naftiko_codegen::Renames::read_beside(&path).map_err(|e| e.to_string())?;
    let openapi = naftiko_codegen::openapi::beside(Path::new(spec));
    let config = naftiko_codegen::Config::new(&path)
        .display_name(spec)
        .layout(naftiko_codegen::Layout::Modules)
        .generated_by(REGEN)
        .build_script(false)
        .renames(renames);
    Ok(if root.join(&openapi).is_file() {
        config.openapi(root.join(openapi))
    } else {
        config
    })
}

/// Generates every target; with `check`, writes nothing and reports stale files instead.
pub fn regen(root: &Path, check: bool) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    for t in targets(root) {
        let config = config(root, &t.spec)?;
        let out = config.generate().map_err(|e| e.to_string())?;
        let dir = root.join(&t.out);
        let files = if check {
            naftiko_codegen::stale_files(&dir, &out.files)
        } else {
            let written =
                naftiko_codegen::write_files(&dir, &out.files).map_err(|e| e.to_string())?;
            for stale in naftiko_codegen::stale_files(&dir, &out.files) {
                std::fs::remove_file(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
            }
            written
        };
        outcomes.push(Outcome {
            target: t,
            files: files
                .into_iter()
                .map(|p| p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p))
                .collect(),
            rendered: out.rendered,
        });
    }
    Ok(outcomes)
}

/// Writes a standalone crate holding the generated Logto client (and its runtime) into `dir`: a `Cargo.toml`, and
/// `src/{lib,client,runtime}.rs`. The crate depends only on reqwest (rustls), serde, serde_json and small crates.
pub fn vendor_client(root: &Path, dir: &Path, name: &str) -> Result<Vec<PathBuf>, String> {
    let spec = "spec/logto.naftiko.yaml";
    let made_by = "`cargo xtask vendor-client`";
    // The client names the runtime's client module inside the crate itself: the crate needs no `naftiko-runtime`.
    let out = config(root, spec)?
        .generated_by(made_by)
        .rest(false)
        .mcp(false)
        .runtime_path("crate::naftiko_runtime")
        .generate()
        .map_err(|e| e.to_string())?;
    let src = dir.join("src");
    let preamble = naftiko_codegen::emit::preamble(made_by, spec);
    let mut files: Vec<naftiko_codegen::GeneratedFile> = out
        .files
        .into_iter()
        .filter(|f| f.name == "client.rs")
        .collect();
    files.push(naftiko_codegen::GeneratedFile {
        name: "naftiko_runtime/client.rs".into(),
        contents: format!(
            "{}// The `client` module of naftiko-runtime, inlined.\n\n{}",
            preamble,
            naftiko_codegen::emit::CLIENT_RUNTIME
        ),
    });
    files.push(naftiko_codegen::GeneratedFile {
        name: "lib.rs".into(),
        contents: format!(
            "{}\n//! A typed client for the Logto Management API, generated from `{spec}`.\n\npub mod client;\n/// The runtime the client sends through: naftiko-runtime's `client` module.\npub mod naftiko_runtime {{\n    pub mod client;\n}}\n\npub use client::*;\npub use naftiko_runtime::client::{{ApiKey, Auth, ClientCredentials, Error, Response, Secret, Transport, TransportConfig, Typed}};\n",
            preamble.trim_end()
        ),
    });
    let mut written = naftiko_codegen::write_files(&src, &files).map_err(|e| e.to_string())?;
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
description = "Typed client for the Logto Management API, generated by naftiko-codegen from {spec}"
license = "Apache-2.0"

# A crate of its own, wherever it is put.
[workspace]

[dependencies]
base64 = "0.23"
bytes = "1"
percent-encoding = "2.3"
reqwest = {{ version = "0.13", default-features = false, features = ["rustls", "http2"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_path_to_error = "0.1"
thiserror = "2"
tokio = {{ version = "1", features = ["sync"] }}
metrics = {{ version = "0.24", optional = true }}

[features]
# Upstream exchanges and token refreshes recorded through the `metrics` facade.
metrics = ["dep:metrics"]

[dev-dependencies]
http = "1"
tokio = {{ version = "1", features = ["macros", "rt"] }}
"#
    );
    let manifest_path = dir.join("Cargo.toml");
    if std::fs::read_to_string(&manifest_path).ok().as_deref() != Some(manifest.as_str()) {
        std::fs::write(&manifest_path, manifest)
            .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
        written.push(manifest_path);
    }
    // The workspace's lock file pins the same versions the gateway is tested with; cargo prunes what is unused.
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(root.join("Cargo.lock"), &lock)
            .map_err(|e| format!("{}: {e}", lock.display()))?;
        written.push(lock);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    /// A plain `cargo test` fails when a generated file no longer matches its spec and the compiler.
    #[test]
    fn generated_files_are_fresh() {
        let root = super::root();
        let outcomes = super::regen(&root, true).expect("every target generates");
        let stale: Vec<String> = outcomes
            .iter()
            .flat_map(|o| o.files.iter().map(|f| f.display().to_string()))
            .collect();
        assert!(
            stale.is_empty(),
            "generated files are stale: {}\nrun `cargo xtask regen`",
            stale.join(", ")
        );
    }

    /// The vendored client is a crate that builds on its own (offline, from the registry cache the workspace filled).
    #[test]
    fn vendored_client_builds_on_its_own() {
        let root = super::root();
        let dir = root.join("target/vendored-client-check/logto-client");
        let _ = std::fs::remove_dir_all(&dir);
        super::vendor_client(&root, &dir, "logto-client").expect("vendoring works");
        for f in [
            "Cargo.toml",
            "Cargo.lock",
            "src/lib.rs",
            "src/client.rs",
            "src/naftiko_runtime/client.rs",
        ] {
            assert!(dir.join(f).is_file(), "{f} missing");
        }
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.starts_with(
            "// @generated by `cargo xtask vendor-client` from spec/logto.naftiko.yaml — do not edit.\n"
        ));
        // The README's program using the vendored crate, as an example of it.
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let example =
            readme_example(&readme).expect("the README shows a program using the vendored client");
        std::fs::create_dir_all(dir.join("examples")).unwrap();
        std::fs::write(dir.join("examples/readme.rs"), example).unwrap();
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--offline",
                "--quiet",
                "--examples",
                "--manifest-path",
            ])
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(root.join("target/vendored-client-check/target"))
            .env_remove("RUSTFLAGS")
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "the vendored client, or the README's program using it, does not build on its own"
        );
    }

    /// The first Rust code block of the README's section on the vendored client.
    fn readme_example(readme: &str) -> Option<String> {
        let section = readme.split("### The generated client on its own").nth(1)?;
        let block = section.split("```rust\n").nth(1)?;
        Some(block.split("\n```").next()?.to_owned() + "\n")
    }
}
