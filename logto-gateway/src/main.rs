//! `logto-gateway`: the Logto Management API as REST and MCP, from generated code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use logto_gateway::config::{ServeArgs, UpstreamArgs};
use logto_gateway::server::{self, McpSettings};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "logto-gateway",
    version,
    about = "A gateway to the Logto Management API (REST and MCP), generated from a Naftiko spec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST adapter and the MCP adapter (streamable HTTP) together.
    Serve(ServeArgs),
    /// Serve the MCP tools over stdio, for desktop clients (logs go to stderr).
    McpStdio(UpstreamArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
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
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::McpStdio(args) => runtime.block_on(mcp_stdio(args)),
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let config = match args.validate() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    let clients = match server::clients(&config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    let rest_listener = match tokio::net::TcpListener::bind(config.rest_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "logto-gateway: cannot listen on {} (REST): {e}",
                config.rest_addr
            );
            return ExitCode::FAILURE;
        }
    };
    let mcp_listener = match tokio::net::TcpListener::bind(config.mcp_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "logto-gateway: cannot listen on {} (MCP): {e}",
                config.mcp_addr
            );
            return ExitCode::FAILURE;
        }
    };
    let shutdown = tokio_util::sync::CancellationToken::new();
    let rest = server::rest_app(
        clients.clone(),
        config.auth_token.clone(),
        config.max_body_bytes,
    );
    let mcp = server::mcp_app(
        clients,
        config.auth_token.clone(),
        &McpSettings {
            allowed_hosts: config.mcp_allowed_hosts.clone(),
            allowed_origins: config.mcp_allowed_origins.clone(),
            max_body_bytes: config.max_body_bytes,
            shutdown_grace: std::time::Duration::from_secs(10),
        },
        shutdown.child_token(),
    );
    tracing::info!(
        rest = %config.rest_addr,
        mcp = %format!("http://{}/mcp", config.mcp_addr),
        upstream = %config.transport.base_url,
        "listening"
    );
    let signal = shutdown.clone();
    tokio::spawn(async move {
        server::shutdown_signal().await;
        signal.cancel();
    });
    let (r, m) = tokio::join!(
        server::serve(rest_listener, rest, shutdown.clone().cancelled_owned()),
        server::serve(mcp_listener, mcp, shutdown.clone().cancelled_owned()),
    );
    match r.and(m) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn mcp_stdio(args: UpstreamArgs) -> ExitCode {
    let transport = match args.transport() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    match server::serve_stdio(transport).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}
