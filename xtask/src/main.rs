//! `cargo xtask`: project tasks.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate `logto-gateway/src/generated/` and the compiler's golden fixtures from their specs.
    Regen {
        /// Write nothing; exit 1 naming every file that is stale.
        #[arg(long)]
        check: bool,
    },
    /// Measure the gateway against the upstream direct and, with --peers, nginx, rmcp-openapi-server and FastMCP;
    /// writes a Markdown report to stdout and target/bench/report.md.
    Bench {
        /// Also run the peers (installed into target/bench/peers/ when missing: apt, pip, cargo).
        #[arg(long)]
        peers: bool,
        /// Also measure the gateway crate's release build times (clean, and after a regen).
        #[arg(long)]
        compile: bool,
        /// Seconds per measured window.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Connection counts to measure at.
        #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
        connections: Vec<u32>,
        /// Runs per figure.
        #[arg(long, default_value_t = 2)]
        repeats: u32,
        /// Instead: count the gateway's user-space instructions per REST request and per MCP call under valgrind's
        /// callgrind (one worker, 4 connections, one --duration window); writes target/bench/instructions.md.
        #[arg(long, conflicts_with_all = ["peers", "compile"])]
        instructions: bool,
    },
    /// Install the test tools, run `cargo test --workspace` with every tool required, and stop what was started.
    ///
    /// In order, each step idempotent: Stoplight Prism (`bash tests/prism/install.sh`), the MCP Python SDK (`bash
    /// tests/python/install.sh`) and a real Logto OSS server (`bash setup.sh` in $REAL_LOGTO_DIR, by default
    /// ../shared/real-logto next to the workspace; state in $LOGTO_HOME, port $LOGTO_PORT); then `cargo test
    /// --workspace` with PRISM_REQUIRED=1, MCP_PYTHON_REQUIRED=1 and REAL_LOGTO_REQUIRED=1, so that no test skips;
    /// then `stop.sh`, unless the Logto server was already running before (also after a failure and on Ctrl-C).
    ///
    /// A missing real-Logto folder is an error under CI=true, and a warning otherwise (the real-Logto tests then
    /// skip). The exit code is the tests', or the failed step's. Ends with the time each step took.
    ///
    /// Arguments are those of `cargo test`: `cargo xtask test --test e2e -- prism_conformance --nocapture`.
    Test {
        /// Arguments for `cargo test`, after `--workspace`: a test name filter, `--test NAME`, `--package NAME`, …
        #[arg(allow_hyphen_values = true, value_name = "CARGO_TEST_ARGS")]
        cargo_args: Vec<String>,
        /// Arguments for the test binaries, after `--`: `--nocapture`, `--test-threads 1`, …
        #[arg(last = true, value_name = "TEST_ARGS")]
        test_args: Vec<String>,
    },
    /// Write the generated Logto client, with its runtime, as a standalone crate.
    VendorClient {
        /// The crate's directory (created if missing).
        dir: std::path::PathBuf,
        /// The crate's name.
        #[arg(long, default_value = "logto-client")]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = xtask::root();
    match cli.command {
        Command::Bench {
            peers,
            compile,
            duration,
            connections,
            repeats,
            instructions,
        } => {
            let options = xtask::bench::Options {
                peers,
                compile,
                duration: std::time::Duration::from_secs(duration.max(1)),
                connections,
                repeats: repeats.max(1),
            };
            let result = if instructions {
                xtask::bench::instructions::run(&root, &options)
            } else {
                xtask::bench::run(&root, &options)
            };
            match result {
                Ok(report) => {
                    println!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("bench: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Test {
            cargo_args,
            test_args,
        } => xtask::test::run(
            &root,
            &xtask::test::Options {
                cargo_args,
                test_args,
            },
        ),
        Command::VendorClient { dir, name } => match xtask::vendor_client(&root, &dir, &name) {
            Ok(written) => {
                for f in written {
                    eprintln!("wrote {}", f.display());
                }
                eprintln!(
                    "{name} written to {}; build it with `cargo build --manifest-path {}/Cargo.toml`",
                    dir.display(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        },
        Command::Regen { check } => match xtask::regen(&root, check) {
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
            Ok(outcomes) => {
                let mut stale = 0;
                for o in &outcomes {
                    if o.target.spec.starts_with("spec/") {
                        eprint!("{}", o.rendered);
                    }
                    for f in &o.files {
                        if check {
                            stale += 1;
                            eprintln!("stale: {} (from {})", f.display(), o.target.spec);
                        } else {
                            eprintln!("wrote {}", f.display());
                        }
                    }
                }
                if check && stale > 0 {
                    eprintln!(
                        "{stale} generated file(s) are stale; run `cargo xtask regen` to update them"
                    );
                    ExitCode::from(1)
                } else {
                    if check {
                        eprintln!("generated files are up to date ({} specs)", outcomes.len());
                    }
                    ExitCode::SUCCESS
                }
            }
        },
    }
}
