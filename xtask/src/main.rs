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
    /// Regenerate `logto-gateway/src/generated/` and the compiler's golden fixtures from their specs, each with the
    /// renames of its rename file (`SPEC.renames` next to `SPEC.yaml`) when there is one.
    Regen {
        /// Write nothing; exit 1 naming every file that is stale.
        #[arg(long)]
        check: bool,
    },
    /// Measure the gateway against the upstream direct and, with --peers, nginx, rmcp-openapi-server and FastMCP;
    /// writes a Markdown report to stdout and target/bench/report.md.
    ///
    /// Runs the bench's own crate (`xtask/bench/`, built on first use) with these arguments: `cargo xtask bench
    /// --help` lists them. The exit code is the bench's.
    #[command(disable_help_flag = true)]
    Bench {
        /// Arguments for the bench: `--peers`, `--compile`, `--duration SECS`, `--connections N,N`, `--repeats N`,
        /// `--instructions`, `--help`.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "BENCH_ARGS"
        )]
        args: Vec<std::ffi::OsString>,
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
    /// Download an OpenAPI document (JSON) and write it pretty-printed (two-space indent, keys in the order they came
    /// in, a trailing newline), touching the file only when its contents change.
    ///
    /// Exit code 1, naming the URL, when the server is unreachable, answers other than 200, or sends something that
    /// is not JSON or not an OpenAPI document (an object with `openapi` and `paths`). http:// URLs only.
    FetchOpenapi {
        /// The document, such as `http://127.0.0.1:3001/api/swagger.json` on a running Logto.
        url: String,
        /// Where to write it [default: spec/logto.openapi.json in the workspace].
        #[arg(long, value_name = "PATH")]
        out: Option<std::path::PathBuf>,
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
        Command::Bench { args } => xtask::bench(&root, &args),
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
        Command::FetchOpenapi { url, out } => {
            let out = out.unwrap_or_else(|| root.join(xtask::openapi::DEFAULT_OUT));
            match xtask::openapi::fetch(&url, &out) {
                Ok((written, paths)) => {
                    let what = match written {
                        xtask::openapi::Written::Changed => "wrote",
                        xtask::openapi::Written::Unchanged => "up to date:",
                    };
                    eprintln!("{what} {} ({paths} paths)", out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
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
