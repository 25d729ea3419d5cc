//! `cargo xtask bench`, which runs this binary with its arguments.

use std::process::ExitCode;

use clap::Parser;

/// Measure the gateway against the upstream direct and, with --peers, nginx, rmcp-openapi-server and FastMCP;
/// writes a Markdown report to stdout and target/bench/report.md.
#[derive(Parser)]
#[command(name = "cargo xtask bench", bin_name = "cargo xtask bench")]
struct Cli {
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
    /// With --instructions: one more argument for `logto-gateway serve` (repeat for more), such as
    /// `--gateway-arg=--metrics=false` to count without metrics.
    #[arg(
        long = "gateway-arg",
        value_name = "ARG",
        requires = "instructions",
        allow_hyphen_values = true
    )]
    gateway_args: Vec<String>,
    /// With --instructions: the gateway checks OAuth access tokens (`--oauth-issuer`, the mock as issuer), and every
    /// request carries one.
    #[arg(long, requires = "instructions")]
    oauth: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = xtask_bench::root();
    let options = xtask_bench::Options {
        peers: cli.peers,
        compile: cli.compile,
        duration: std::time::Duration::from_secs(cli.duration.max(1)),
        connections: cli.connections,
        repeats: cli.repeats.max(1),
        gateway_args: cli.gateway_args,
        oauth: cli.oauth,
    };
    let result = if cli.instructions {
        xtask_bench::instructions::run(&root, &options)
    } else {
        xtask_bench::run(&root, &options)
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
