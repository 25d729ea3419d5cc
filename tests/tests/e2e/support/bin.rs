//! The real `logto-gateway` binary, built once per test run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The gateway binary next to this test's directory (`target/<profile>/logto-gateway`), built once per test run:
/// `cargo build` is a no-op when it is up to date, and a stale binary would test old code.
pub fn gateway_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test's path");
        // target/<profile>/deps/binary-HASH
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target dir");
        let bin = profile_dir.join(format!("logto-gateway{}", std::env::consts::EXE_SUFFIX));
        let mut cmd = Command::new(option_env!("CARGO").unwrap_or("cargo"));
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "logto-gateway",
            "--bin",
            "logto-gateway",
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "cargo build -p logto-gateway failed");
        assert!(bin.is_file(), "{} exists after the build", bin.display());
        bin
    })
}

/// Whether an environment variable is one the gateway (or its logging, or a proxy) reads.
fn is_gateway_env(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("LOGTO_")
        || upper.starts_with("GATEWAY_")
        || upper == "RUST_LOG"
        || upper.ends_with("_PROXY")
}

/// Removes the outer environment's gateway, Logto, logging and proxy variables from `cmd`'s environment.
pub fn without_gateway_env(cmd: &mut Command) -> &mut Command {
    for (k, _) in std::env::vars_os() {
        if let Some(k) = k.to_str()
            && is_gateway_env(k)
        {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// A `logto-gateway` command with the outer environment's gateway, Logto, logging and proxy variables removed.
pub fn gateway_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(gateway_binary());
    cmd.args(args).stdin(Stdio::null());
    without_gateway_env(&mut cmd);
    cmd
}
