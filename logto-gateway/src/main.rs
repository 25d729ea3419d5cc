//! `logto-gateway`: the Logto Management API as REST, from generated code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use logto_gateway::config::ServeArgs;
use logto_gateway::server;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "logto-gateway",
    version,
    about = "A gateway to the Logto Management API, generated from a Naftiko spec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST adapter.
    Serve(ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli.command {
        Command::Serve(args) => {
            let config = match args.validate() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("logto-gateway: {e}");
                    return ExitCode::from(2);
                }
            };
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("logto-gateway: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            runtime.block_on(async move {
                let clients = match server::clients(&config) {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("logto-gateway: {e}");
                        return ExitCode::from(2);
                    }
                };
                let listener = match tokio::net::TcpListener::bind(config.rest_addr).await {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("logto-gateway: cannot listen on {}: {e}", config.rest_addr);
                        return ExitCode::FAILURE;
                    }
                };
                let app = server::rest_app(clients, config.auth_token.clone(), config.max_body_bytes);
                tracing::info!(rest = %config.rest_addr, upstream = %config.transport.base_url, "listening");
                match server::serve(listener, app, server::shutdown_signal()).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("logto-gateway: {e}");
                        ExitCode::FAILURE
                    }
                }
            })
        }
    }
}
