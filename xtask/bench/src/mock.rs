//! The mock Logto upstream of the bench: fixed answers, served from memory, so that it is never the bottleneck (its
//! own figure is measured and reported).

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One Logto application, about 1 KB of JSON.
pub fn application(id: &str) -> serde_json::Value {
    serde_json::json!({
        "tenantId": "default",
        "id": id,
        "name": "Bench application",
        "secret": "internal-secret-not-a-real-one-0123456789abcdef",
        "description": "An application object of the size Logto returns, served by the bench's mock upstream.",
        "type": "MachineToMachine",
        "oidcClientMetadata": {
            "redirectUris": ["https://app.example.com/callback", "https://app.example.com/silent-callback"],
            "postLogoutRedirectUris": ["https://app.example.com/"]
        },
        "customClientMetadata": {
            "corsAllowedOrigins": ["https://app.example.com"],
            "idTokenTtl": 3600,
            "refreshTokenTtlInDays": 14,
            "alwaysIssueRefreshToken": false,
            "rotateRefreshToken": true
        },
        "protectedAppMetadata": null,
        "customData": {"team": "platform", "costCenter": "cc-1042", "tier": "gold"},
        "isThirdParty": false,
        "isAdmin": false,
        "createdAt": 1_735_689_600_000_u64
    })
}

/// The answers, rendered once.
#[derive(Clone)]
struct Answers {
    one: Bytes,
    list: Bytes,
}

fn json(status: StatusCode, body: Bytes) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The mock's routes, as served on `port` (its OAuth issuer names itself by it).
fn app(port: u16) -> Result<Router, String> {
    let discovery = Bytes::from(crate::oauth::discovery(port));
    let jwks = Bytes::from(crate::oauth::jwks()?);
    let one = Bytes::from(application("app1").to_string());
    let items: Vec<serde_json::Value> = (0..20).map(|i| application(&format!("app{i}"))).collect();
    let list = Bytes::from(serde_json::Value::Array(items).to_string());
    let answers = Answers { one, list };
    Ok(Router::new()
        .route(
            "/oidc/.well-known/openid-configuration",
            get(move || async move { json(StatusCode::OK, discovery.clone()) }),
        )
        .route(
            "/oidc/jwks",
            get(move || async move { json(StatusCode::OK, jwks.clone()) }),
        )
        .route(
            "/api/applications/{id}",
            get({
                let a = answers.clone();
                move || async move { json(StatusCode::OK, a.one.clone()) }
            }),
        )
        .route(
            "/api/applications",
            get({
                let a = answers.clone();
                move || async move {
                    let mut r = json(StatusCode::OK, a.list.clone());
                    r.headers_mut()
                        .insert("total-number", HeaderValue::from_static("20"));
                    r
                }
            })
            .post(|body: Bytes| async move { json(StatusCode::OK, body) }),
        ))
}

/// Serves the mock on `127.0.0.1:port` until the process is killed.
///
/// One thread per core, each with a single-threaded runtime and its own listener on the port (`SO_REUSEPORT`), as
/// nginx has worker processes: a request is answered on the thread that accepted its connection, with no work
/// stealing and no wake-ups across threads, so the mock costs the machine as little as it can.
pub fn serve(port: u16) -> Result<(), String> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let app = app(port)?;
    let mut workers = Vec::with_capacity(threads);
    for _ in 0..threads {
        let app = app.clone();
        workers.push(std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("runtime: {e}"))?;
            runtime.block_on(async move {
                let listener = reuseport_listener(port)?;
                let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                axum::serve(listener, app).await.map_err(|e| e.to_string())
            })
        }));
    }
    for w in workers {
        w.join()
            .map_err(|_| "a mock thread panicked".to_owned())??;
    }
    Ok(())
}

/// A listening socket on `127.0.0.1:port` that shares the port with the other threads' sockets (within a runtime).
fn reuseport_listener(port: u16) -> Result<tokio::net::TcpListener, String> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    socket
        .set_reuseaddr(true)
        .and_then(|()| socket.set_reuseport(true))
        .and_then(|()| socket.bind(([127, 0, 0, 1], port).into()))
        .map_err(|e| format!("127.0.0.1:{port}: {e}"))?;
    socket
        .listen(1024)
        .map_err(|e| format!("127.0.0.1:{port}: {e}"))
}
