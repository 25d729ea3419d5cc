//! `logto-gateway`: the Logto Management API as REST and MCP, from generated code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use logto_gateway::config::{Inbound, ServeArgs, ToolArgs, UpstreamArgs};
use logto_gateway::server::{self, McpSettings};
use naftiko_runtime::client::Transport;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Serve(Box<ServeArgs>),
    /// Serve the MCP tools over stdio, for desktop clients (logs go to stderr).
    McpStdio(Box<StdioArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=error")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli.command {
        Command::Serve(args) => serve(*args),
        Command::McpStdio(args) => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(mcp_stdio(*args)),
            Err(e) => {
                eprintln!("logto-gateway: cannot start the runtime: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `serve`: one thread per worker, each with a single-threaded runtime, its own listeners (`SO_REUSEPORT`) and its
/// own upstream connection pool, so that a request is handled start to end on one thread; the token cache is shared.
fn serve(args: ServeArgs) -> ExitCode {
    let config = match args.validate() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    let transport = match Transport::new(config.transport.clone()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    if config.metrics
        && let Err(e) = logto_gateway::metrics::install()
    {
        eprintln!("logto-gateway: {e}");
        return ExitCode::FAILURE;
    }
    let listeners = |addr, what| {
        server::reuseport_listeners(addr, config.workers)
            .map_err(|e| format!("cannot listen on {addr} ({what}): {e}"))
    };
    let (rest, mcp) = match (
        listeners(config.rest_addr, "REST"),
        listeners(config.mcp_addr, "MCP"),
    ) {
        (Ok(r), Ok(m)) => (r, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Inbound::OAuth(server) = &config.inbound {
        fetch_issuer_keys(server);
    }
    let shutdown = CancellationToken::new();
    let settings = McpSettings {
        allowed_hosts: config.mcp_allowed_hosts.clone(),
        allowed_origins: config.mcp_allowed_origins.clone(),
        max_body_bytes: config.max_body_bytes,
        shutdown_grace: std::time::Duration::from_secs(10),
        fast_lane: config.mcp_fast_lane,
        tools: config.mcp_tools.clone(),
    };
    let mut workers = Vec::new();
    for (i, (rest, mcp)) in rest.into_iter().zip(mcp).enumerate() {
        let worker = Worker {
            transport: transport.clone(),
            inbound: config.inbound.clone(),
            max_body_bytes: config.max_body_bytes,
            read_only: config.read_only,
            header_read_timeout: config.header_read_timeout,
            settings: settings.clone(),
            shutdown: shutdown.clone(),
        };
        match std::thread::Builder::new()
            .name(format!("worker-{i}"))
            .spawn(move || worker.run(rest, mcp))
        {
            Ok(h) => workers.push(h),
            Err(e) => {
                eprintln!("logto-gateway: cannot start a worker thread: {e}");
                shutdown.cancel();
                return ExitCode::FAILURE;
            }
        }
    }
    tracing::info!(
        rest = %config.rest_addr,
        mcp = %format!("http://{}/mcp", config.mcp_addr),
        upstream = %config.transport.base_url,
        workers = config.workers,
        "listening"
    );
    // The main thread waits for a signal, then for the workers to finish what is in flight.
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match signals {
        Ok(rt) => rt.block_on(async {
            tokio::select! {
                () = server::shutdown_signal() => {}
                () = shutdown.cancelled() => {}
            }
        }),
        Err(e) => eprintln!("logto-gateway: cannot wait for signals: {e}"),
    }
    shutdown.cancel();
    let mut code = ExitCode::SUCCESS;
    for h in workers {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("logto-gateway: {e}");
                code = ExitCode::FAILURE;
            }
            Err(_) => code = ExitCode::FAILURE,
        }
    }
    code
}

/// Fetches the OAuth issuer's keys before serving, so that a wrong issuer shows at start-up. An issuer that cannot be
/// reached yet is no reason not to start: the keys are fetched again when a token comes.
fn fetch_issuer_keys(server: &naftiko_runtime::oauth::ResourceServer) {
    let issuer = &server.config().issuer;
    let fetched = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(server.refresh()));
    match fetched {
        Ok(keys) => tracing::info!(%issuer, keys, "accepting the issuer's access tokens"),
        Err(e) => {
            tracing::warn!(%issuer, "cannot fetch the issuer's signing keys yet (tokens cannot be checked until they are): {e}")
        }
    }
}

/// What one worker thread needs.
struct Worker {
    transport: Transport,
    inbound: Inbound,
    max_body_bytes: usize,
    read_only: bool,
    header_read_timeout: std::time::Duration,
    settings: McpSettings,
    shutdown: CancellationToken,
}

impl Worker {
    fn run(self, rest: std::net::TcpListener, mcp: std::net::TcpListener) -> Result<(), String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a worker runtime: {e}"))?;
        let shutdown = self.shutdown.clone();
        let result = rt.block_on(async move {
            let transport = self.transport.with_own_pool().map_err(|e| e.to_string())?;
            let clients = server::clients_from(transport);
            let rest = tokio::net::TcpListener::from_std(rest).map_err(|e| e.to_string())?;
            let mcp = tokio::net::TcpListener::from_std(mcp).map_err(|e| e.to_string())?;
            let rest_app = server::rest_app(
                clients.clone(),
                &self.inbound,
                self.max_body_bytes,
                self.read_only,
            );
            let mcp_app = server::mcp_app(
                clients,
                &self.inbound,
                &self.settings,
                self.shutdown.clone(),
            );
            let timeout = self.header_read_timeout;
            let (r, m) = tokio::join!(
                server::serve(
                    rest,
                    rest_app,
                    timeout,
                    self.shutdown.clone().cancelled_owned()
                ),
                server::serve(
                    mcp,
                    mcp_app,
                    timeout,
                    self.shutdown.clone().cancelled_owned()
                ),
            );
            r.and(m).map_err(|e| e.to_string())
        });
        if result.is_err() {
            // One worker failing stops them all.
            shutdown.cancel();
        }
        result
    }
}

/// `mcp-stdio`'s arguments: how to reach Logto, and which tools to serve.
#[derive(clap::Args)]
struct StdioArgs {
    #[command(flatten)]
    upstream: UpstreamArgs,
    #[command(flatten)]
    select: ToolArgs,
}

async fn mcp_stdio(args: StdioArgs) -> ExitCode {
    let (transport, selection) = match (args.upstream.transport(), args.select.selection()) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("logto-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    match server::serve_stdio(transport, &selection).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logto-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}
