//! The HTTP server: the generated REST router behind inbound authentication, a body limit and request logging, plus
//! `GET /healthz`, `GET /metrics` and JSON 404s; graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tokio::net::TcpListener;

use crate::config::{Config, Inbound};
use crate::generated::client::{Bindings, Clients, LogtoClient};
use crate::generated::mcp::{LOGTO_MCP_TOOLS, LogtoMcpServer};
use crate::generated::rest::{LOGTO_REST_OPENAPI, LOGTO_REST_OPENAPI_BEARER, logto_rest_router};
use crate::layers::{LogRequestsLayer, RecordRequestsLayer};
use crate::metrics::{Metered, Metrics};
use naftiko_runtime::client::{Auth, Transport, TransportConfig};
use naftiko_runtime::inbound::RequireAuthLayer;
use naftiko_runtime::mcp::http::FastLane;
use naftiko_runtime::oauth::{AccessRule, OAuthLayer};
use naftiko_runtime::rest::Problem;

/// Builds the upstream clients from a validated configuration.
pub fn clients(config: &Config) -> Result<Arc<Clients>, naftiko_runtime::client::Error> {
    clients_for(&config.transport)
}

/// Builds the upstream clients for a transport configuration.
pub fn clients_for(
    transport: &TransportConfig,
) -> Result<Arc<Clients>, naftiko_runtime::client::Error> {
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

/// The REST application: adapter routes (authenticated as `inbound` says), `/healthz`, the adapter's OpenAPI
/// document at `/openapi.json` (public, like `/healthz`: it names the security scheme when callers authenticate),
/// `/metrics` when metrics are installed (authenticated like the adapter routes; with OAuth, a read), the RFC 9728
/// metadata document with OAuth (public), JSON 404s.
pub fn rest_app(
    clients: Arc<Clients>,
    inbound: &Inbound,
    max_body_bytes: usize,
    read_only: bool,
) -> LoggedRouter {
    // Metrics, authentication and the body limit in one layer: each `route_layer` call wraps every route in one more
    // boxed service, which every request then goes through. Metrics are outside authentication, to count refusals.
    let openapi = if inbound.is_required() {
        LOGTO_REST_OPENAPI_BEARER
    } else {
        LOGTO_REST_OPENAPI
    };
    let metrics = crate::metrics::installed();
    let mut adapter = logto_rest_router(clients);
    if let Some(m) = metrics {
        adapter = adapter.route("/metrics", get(move || async move { metrics_text(m) }));
    }
    let adapter = adapter.route_layer(
        tower::ServiceBuilder::new()
            .layer(RecordRequestsLayer::new(metrics))
            .layer(inbound_layer(inbound, || AccessRule::ByMethod))
            .layer(DefaultBodyLimit::max(max_body_bytes)),
    );
    // Only when asked: a layer costs every request a boxed service.
    let adapter = if read_only {
        adapter.route_layer(axum::middleware::from_fn(reads_only))
    } else {
        adapter
    };
    let plain = with_metadata(Router::new(), inbound)
        .route("/healthz", get(healthz))
        .route(
            "/openapi.json",
            get(move || async move { json(StatusCode::OK, openapi) }),
        )
        .merge(adapter)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found);
    LoggedRouter::new(plain)
}

/// `--read-only`: a route's `GET` (and `HEAD`) is answered; any other method is 403, before the upstream is called.
async fn reads_only(req: Request, next: axum::middleware::Next) -> Response {
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        return next.run(req).await;
    }
    Problem::new(
        StatusCode::FORBIDDEN,
        "gateway.read_only",
        format!(
            "`{}` is not served: the gateway serves reads only (--read-only)",
            req.method()
        ),
    )
    .into_response()
}

/// `GET /metrics`: the Prometheus text format.
fn metrics_text(metrics: &Metrics) -> Response {
    let mut r = (StatusCode::OK, metrics.render()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// The inbound authentication of both adapters: nothing, `Authorization: Bearer <--auth-token>`, or access tokens of
/// the OAuth issuer with the scope `rule` says a request needs.
fn inbound_layer(
    inbound: &Inbound,
    rule: impl FnOnce() -> AccessRule,
) -> tower::util::Either<RequireAuthLayer, OAuthLayer> {
    use tower::util::Either;
    match inbound {
        Inbound::Open => Either::Left(RequireAuthLayer::none()),
        Inbound::Token(token) => Either::Left(RequireAuthLayer::bearer(token)),
        Inbound::OAuth(server) => Either::Right(server.layer(rule())),
    }
}

/// With OAuth, `router` serves the RFC 9728 metadata document, without authentication: it is how a client learns
/// where to get a token.
fn with_metadata(mut router: Router, inbound: &Inbound) -> Router {
    let Inbound::OAuth(server) = inbound else {
        return router;
    };
    for path in server.metadata_paths() {
        // A path from the audience URL that a route cannot hold as it is is served at the root path only.
        if path.contains("//")
            || !path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-._~%".contains(&b))
        {
            continue;
        }
        let server = Arc::clone(server);
        router = router.route(
            &path,
            get(move || {
                let server = Arc::clone(&server);
                async move { server.metadata_document() }
            }),
        );
    }
    router
}

/// An application's router, with and without the request log layer.
///
/// The log line names the matched route, so the log layer wraps every route (inside the router), and costs every
/// request a level of boxed services even when request logging is off. The application therefore keeps the router
/// both ways and takes, per request, the one that matches whether request logging is on. Every other layer is in
/// both.
#[derive(Clone)]
pub struct LoggedRouter {
    logged: Router,
    plain: Router,
}

impl LoggedRouter {
    fn new(plain: Router) -> Self {
        LoggedRouter {
            logged: plain.clone().layer(LogRequestsLayer),
            plain,
        }
    }
}

impl std::fmt::Debug for LoggedRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoggedRouter").finish_non_exhaustive()
    }
}

impl App for LoggedRouter {
    async fn call(self, req: Request) -> Response {
        let router = if crate::layers::logging_requests() {
            self.logged
        } else {
            self.plain
        };
        App::call(router, req).await
    }
}

/// MCP adapter settings.
#[derive(Debug, Clone)]
pub struct McpSettings {
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// How long after shutdown begins open streams are ended; tool calls in flight finish first.
    pub shutdown_grace: Duration,
    /// Plain `tools/call` requests answered in the fast lane ([`FastLane`]) rather than by a per-request rmcp service.
    pub fast_lane: bool,
    /// The tools served (`--tools`, `--exclude-tools`, `--toolsets`, `--read-only`).
    pub tools: Arc<naftiko_runtime::mcp::Selection>,
}

/// The MCP application: streamable HTTP at `/mcp`, stateless (any replica answers any request), JSON responses,
/// behind the same inbound authentication as REST (with OAuth, a tool that writes needs the write scope); `Host` and
/// `Origin` checked against allow-lists.
///
/// When `shutdown` is cancelled, tool calls in flight finish (the server stops accepting connections meanwhile);
/// open streams are ended `settings.shutdown_grace` later, so that a graceful shutdown never hangs on them. Must be
/// called within a Tokio runtime.
pub fn mcp_app(
    clients: Arc<Clients>,
    inbound: &Inbound,
    settings: &McpSettings,
    shutdown: tokio_util::sync::CancellationToken,
) -> LoggedRouter {
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
    // One server, built once; each request (stateless mode) gets a clone sharing its tool table. Its tool calls are
    // counted by tool (the HTTP requests of `/mcp` are not: they are not counted by route).
    let server = Metered::new(
        LogtoMcpServer::with_selection(clients, &settings.tools),
        crate::metrics::installed(),
    );
    let lane = Arc::new(McpLane {
        fast: FastLane::with_calls(
            server.clone(),
            &settings.allowed_hosts,
            settings.max_body_bytes,
            settings.fast_lane,
        ),
        // Shared behind an `Arc`: a clone of rmcp's service copies its configuration, allow-lists included.
        rmcp: StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        ),
    });
    let mcp = any(move |req: Request| {
        let lane = Arc::clone(&lane);
        async move { lane.answer(req).await }
    });
    let max_body_bytes = settings.max_body_bytes;
    let mcp = Router::new()
        .route("/mcp", mcp)
        .route_layer(inbound_layer(inbound, || {
            AccessRule::by_tool(LOGTO_MCP_TOOLS, max_body_bytes)
        }));
    LoggedRouter::new(
        with_metadata(mcp, inbound)
            .route("/healthz", get(healthz))
            .fallback(not_found),
    )
}

type RmcpService = rmcp::transport::StreamableHttpService<
    Metered<LogtoMcpServer>,
    rmcp::transport::streamable_http_server::session::local::LocalSessionManager,
>;

/// What answers `/mcp`: the fast lane (a plain `tools/call`), and rmcp behind it.
struct McpLane {
    fast: FastLane<Metered<LogtoMcpServer>>,
    rmcp: RmcpService,
}

impl McpLane {
    async fn answer(&self, req: Request) -> Response {
        self.fast
            .handle(req, |req| async move {
                self.rmcp.handle(req).await.into_response()
            })
            .await
    }
}

/// An application [`serve`] serves: a request in, a response out.
pub trait App: Clone + Send + Sync + 'static {
    /// Answers `req` (a clone of the application answers each request).
    fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static;
}

impl App for Router {
    async fn call(self, req: Request) -> Response {
        match tower::ServiceExt::oneshot(self, req).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        }
    }
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
///
/// HTTP/1.1, and HTTP/2 with prior knowledge, as `axum::serve` does; `TCP_NODELAY` on every connection. An HTTP/1
/// connection that does not deliver a complete request head within `header_read_timeout` (counted from the end of
/// the request before, on a kept-alive connection) is closed: a slow or idle client cannot hold it forever.
pub async fn serve(
    listener: TcpListener,
    app: impl App,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // One server for every kind of application (the HTTP stack is compiled once): each answer is a boxed future.
    let handler: Handler = Arc::new(move |req| Box::pin(app.clone().call(req)));
    serve_with(listener, handler, header_read_timeout, Box::pin(shutdown)).await
}

type Handler =
    Arc<dyn Fn(Request) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

async fn serve_with(
    listener: TcpListener,
    handler: Handler,
    header_read_timeout: Duration,
    mut shutdown: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY: {e}");
        }
        let handler = Arc::clone(&handler);
        let service =
            hyper::service::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
                let answer = handler(req.map(axum::body::Body::new));
                async move { Ok::<_, std::convert::Infallible>(answer.await) }
            });
        let conn = builder
            .serve_connection(TokioIo::new(tcp), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::trace!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// After a failed `accept`: a connection that went away before it was accepted is no error; anything else (out of
/// file descriptors, say) is logged and retried a second later, as `axum::serve` does.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept failed: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
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
pub async fn serve_stdio(
    transport: TransportConfig,
    selection: &naftiko_runtime::mcp::Selection,
) -> Result<(), String> {
    use rmcp::ServiceExt;
    let clients = clients_for(&transport).map_err(|e| e.to_string())?;
    let running = LogtoMcpServer::with_selection(clients, selection)
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
