//! The bench's mock Logto upstream as a process of its own (built in release by `cargo xtask bench`, so that it is
//! never the bottleneck): `bench-upstream PORT` serves on 127.0.0.1:PORT until killed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(port) = std::env::args().nth(1).and_then(|p| p.parse::<u16>().ok()) else {
        eprintln!("usage: bench-upstream PORT");
        return ExitCode::from(2);
    };
    match xtask_bench::mock::serve(port) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-upstream: {e}");
            ExitCode::FAILURE
        }
    }
}
