//! The HTTP server: the generated REST router behind inbound authentication, a body limit and request logging, plus
//! `GET /healthz` and JSON 404s; graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::generated::client::{Bindings, Clients, LogtoClient};
use crate::generated::mcp::LogtoMcpServer;
use crate::generated::rest::logto_rest_router;
use crate::generated::rest_runtime::Problem;
use crate::generated::runtime::{Auth, Secret, Transport, TransportConfig};
use crate::layers::{LogRequestsLayer, RequireBearerLayer};
use crate::mcp_direct::DirectCalls;

/// Builds the upstream clients from a validated configuration.
pub fn clients(config: &Config) -> Result<Arc<Clients>, crate::generated::runtime::Error> {
    clients_for(&config.transport)
}

/// Builds the upstream clients for a transport configuration.
pub fn clients_for(
    transport: &TransportConfig,
) -> Result<Arc<Clients>, crate::generated::runtime::Error> {
    Ok(clients_from(Transport::new(transport.clone())?))
}

/// The upstream clients over `transport`, with the spec's bound values.
pub fn clients_from(transport: Transport) -> Arc<Clients> {
    let mut bindings = Bindings::from_env();
    // The spec binds the bearer token as `{{LOGTO_TOKEN}}`; the flag of the same name may supply it too.
    bindings.logto_token = match transport.auth() {
        Auth::Bearer(t) => Some(t.clone()),
        _ => None,
    };
    Arc::new(Clients {
        logto: LogtoClient::new(transport),
        bindings,
    })
}

/// `n` listening sockets on the same address (`SO_REUSEPORT`: the kernel spreads connections over them), one per
/// worker thread. With port 0, the first socket's port is used for all.
pub fn reuseport_listeners(
    addr: std::net::SocketAddr,
    n: usize,
) -> std::io::Result<Vec<std::net::TcpListener>> {
    use socket2::{Domain, Socket, Type};
    let mut addr = addr;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        #[cfg(unix)]
        socket.set_reuse_port(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        let listener: std::net::TcpListener = socket.into();
        addr = listener.local_addr()?;
        out.push(listener);
    }
    Ok(out)
}

/// The REST application: adapter routes (authenticated when a token is configured), `/healthz`, JSON 404s.
pub fn rest_app(
    clients: Arc<Clients>,
    auth_token: Option<Secret>,
    max_body_bytes: usize,
) -> Router {
    let adapter = logto_rest_router(clients)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .route_layer(RequireBearerLayer::new(auth_token));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(adapter)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(LogRequestsLayer)
}

/// MCP adapter settings.
#[derive(Debug, Clone)]
pub struct McpSettings {
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// How long after shutdown begins open streams are ended; tool calls in flight finish first.
    pub shutdown_grace: Duration,
}

/// The MCP application: streamable HTTP at `/mcp`, stateless (any replica answers any request), JSON responses,
/// behind the same inbound authentication as REST; `Host` and `Origin` checked against allow-lists.
///
/// When `shutdown` is cancelled, tool calls in flight finish (the server stops accepting connections meanwhile);
/// open streams are ended `settings.shutdown_grace` later, so that a graceful shutdown never hangs on them. Must be
/// called within a Tokio runtime.
pub fn mcp_app(
    clients: Arc<Clients>,
    auth_token: Option<Secret>,
    settings: &McpSettings,
    shutdown: tokio_util::sync::CancellationToken,
) -> Router {
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

    let streams = tokio_util::sync::CancellationToken::new();
    {
        let streams = streams.clone();
        let grace = settings.shutdown_grace;
        tokio::spawn(async move {
            shutdown.cancelled().await;
            tokio::time::sleep(grace).await;
            streams.cancel();
        });
    }
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_cancellation_token(streams)
        .with_allowed_hosts(settings.allowed_hosts.clone())
        .with_allowed_origins(settings.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes);
    let direct = Arc::new(DirectCalls::new(
        clients.clone(),
        &settings.allowed_hosts,
        settings.max_body_bytes,
    ));
    // One server, built once; each request (stateless mode) gets a clone sharing its tool table.
    let server = LogtoMcpServer::new(clients);
    // Shared behind an `Arc`: axum clones a route's service for every request, and a clone of rmcp's service copies
    // its configuration, allow-lists included.
    let service = Arc::new(StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    ));
    // Plain `tools/call` requests are answered without a per-request rmcp service (see `mcp_direct`); everything
    // else goes to rmcp.
    let mcp = any(move |req: Request| {
        let direct = Arc::clone(&direct);
        let service = Arc::clone(&service);
        async move {
            direct
                .handle(req, |req| async move {
                    service.handle(req).await.into_response()
                })
                .await
        }
    });
    Router::new()
        .route("/mcp", mcp)
        .route_layer(RequireBearerLayer::new(auth_token))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(LogRequestsLayer)
}

async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#)
}

/// A route that exists without this method: JSON like every other error, with the `Allow` header axum adds.
async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "gateway.method_not_allowed",
        "this route does not take that method (see `Allow`)",
    )
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "gateway.not_found", "no such route")
}

fn json(status: StatusCode, body: &'static str) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Serves `app` on `listener` until `shutdown` resolves; in-flight requests finish, new connections are refused.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Serves the MCP tools over stdin/stdout until the client closes the stream.
pub async fn serve_stdio(transport: TransportConfig) -> Result<(), String> {
    use rmcp::ServiceExt;
    let clients = clients_for(&transport).map_err(|e| e.to_string())?;
    let running = LogtoMcpServer::new(clients)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP over stdio: {e}"))?;
    tracing::info!("serving MCP over stdio");
    running
        .waiting()
        .await
        .map(|_| ())
        .map_err(|e| format!("MCP over stdio: {e}"))
}
