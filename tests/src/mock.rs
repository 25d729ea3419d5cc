//! A mock Logto upstream: an in-process axum server that records every request and answers with canned replies.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Where the mock's token endpoint answers (Logto's OIDC token endpoint).
pub const TOKEN_PATH: &str = "/oidc/token";

/// One request as the mock received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request URI's path exactly as received (still percent-encoded).
    pub path: String,
    /// The raw query string, as received, without the `?`.
    pub query: Option<String>,
    /// Every header, in order, names lower-cased.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
}

impl Recorded {
    /// The first value of a header, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// Every value of a header.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    pub fn authorization(&self) -> Option<String> {
        self.header("authorization")
    }

    /// The query as decoded `(key, value)` pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_pairs(self.query.as_deref().unwrap_or(""))
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Decodes an `application/x-www-form-urlencoded` string (`+` is a space) into pairs.
pub fn form_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Something other than a well-formed answer.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Sends the status, headers (with `Content-Length: declared_len`) and `sent`, then breaks the connection off.
    ResetMidBody { sent: Bytes, declared_len: usize },
}

/// A canned answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Waits this long before answering.
    pub delay: Option<Duration>,
    pub fault: Option<Fault>,
    /// Answers with the request's own body instead of `body`.
    pub echo: bool,
}

impl Reply {
    /// A JSON answer (`Content-Type: application/json`), body sent verbatim.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(body.into()),
            delay: None,
            fault: None,
            echo: false,
        }
    }

    /// An answer without a body (and without a content type).
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            delay: None,
            fault: None,
            echo: false,
        }
    }

    /// An answer with any content type and body.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: None,
            fault: None,
            echo: false,
        }
    }

    /// A JSON answer (`Content-Type: application/json`) whose body is the request's body, byte for byte.
    pub fn echo(status: u16) -> Self {
        Reply {
            echo: true,
            ..Reply::json(status, "")
        }
    }

    /// A 200 that declares `declared_len` bytes, sends `sent`, and then breaks the connection.
    pub fn reset_mid_body(sent: impl Into<Bytes>, declared_len: usize) -> Self {
        Reply {
            fault: Some(Fault::ResetMidBody {
                sent: sent.into(),
                declared_len,
            }),
            ..Reply::json(200, "")
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }
}

struct Rule {
    method: Option<String>,
    path: String,
    reply: Reply,
}

struct State_ {
    requests: Vec<Recorded>,
    rules: Vec<Rule>,
    default: Reply,
    rejected_tokens: HashSet<String>,
    tokens_issued: usize,
    token_prefix: String,
    token_expires_in: u64,
    token_delay: Option<Duration>,
    token_reply: Option<Reply>,
}

type Shared = Arc<Mutex<State_>>;

fn lock(s: &Shared) -> MutexGuard<'_, State_> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The mock upstream. Dropping it stops accepting connections.
pub struct MockUpstream {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
}

impl MockUpstream {
    /// Starts the mock on `127.0.0.1:0`. By default every request gets `200 {"ok":true}`.
    pub async fn start() -> Self {
        let state: Shared = Arc::new(Mutex::new(State_ {
            requests: Vec::new(),
            rules: Vec::new(),
            default: Reply::json(200, r#"{"ok":true}"#),
            rejected_tokens: HashSet::new(),
            tokens_issued: 0,
            token_prefix: "mock-issued-token-".into(),
            token_expires_in: 3600,
            token_delay: None,
            token_reply: None,
        }));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock upstream");
        let addr = listener.local_addr().expect("mock address");
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        MockUpstream {
            addr,
            state,
            shutdown: Some(tx),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The reply to any request no rule answers.
    pub fn set_default(&self, reply: Reply) {
        lock(&self.state).default = reply;
    }

    /// Answers `method` (any when `None`) on exactly this raw `path` with `reply`. Later rules win.
    pub fn on(&self, method: Option<&str>, path: &str, reply: Reply) {
        lock(&self.state).rules.push(Rule {
            method: method.map(str::to_owned),
            path: path.to_owned(),
            reply,
        });
    }

    /// Requests carrying `Authorization: Bearer <token>` get `401` with a Logto error body.
    pub fn reject_bearer(&self, token: &str) {
        lock(&self.state).rejected_tokens.insert(token.to_owned());
    }

    /// The token the token endpoint issues the `n`th time (from 1).
    pub fn issued_token(&self, n: usize) -> String {
        format!("{}{n:04}", lock(&self.state).token_prefix)
    }

    pub fn set_token_prefix(&self, prefix: &str) {
        lock(&self.state).token_prefix = prefix.to_owned();
    }

    pub fn set_token_expires_in(&self, secs: u64) {
        lock(&self.state).token_expires_in = secs;
    }

    /// The token endpoint waits this long before answering.
    pub fn set_token_delay(&self, d: Duration) {
        lock(&self.state).token_delay = Some(d);
    }

    /// The token endpoint answers with `reply` instead of issuing a token.
    pub fn set_token_reply(&self, reply: Option<Reply>) {
        lock(&self.state).token_reply = reply;
    }

    /// How many tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.state).tokens_issued
    }

    /// Every request received, token requests included, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state).requests.clone()
    }

    /// Every request but token requests.
    pub fn api_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path != TOKEN_PATH)
            .collect()
    }

    /// Token requests only.
    pub fn token_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == TOKEN_PATH)
            .collect()
    }

    /// Returns and forgets every recorded request.
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut lock(&self.state).requests)
    }
}

impl Drop for MockUpstream {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn handle(State(state): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let rec = Recorded {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body,
    };
    let bearer = rec
        .authorization()
        .and_then(|a| a.strip_prefix("Bearer ").map(str::to_owned));
    let is_token = rec.method == "POST" && rec.path == TOKEN_PATH;
    let reply = {
        let mut s = lock(&state);
        s.requests.push(rec.clone());
        if is_token {
            match s.token_reply.clone() {
                Some(r) => r.delay(s.token_delay.unwrap_or_default()),
                None => {
                    s.tokens_issued += 1;
                    let token = format!("{}{:04}", s.token_prefix, s.tokens_issued);
                    let body = serde_json::json!({
                        "access_token": token,
                        "expires_in": s.token_expires_in,
                        "token_type": "Bearer",
                        "scope": "all",
                    });
                    let mut r = Reply::json(200, body.to_string());
                    r.delay = s.token_delay;
                    r
                }
            }
        } else if bearer
            .as_deref()
            .is_some_and(|b| s.rejected_tokens.contains(b))
        {
            Reply::json(
                401,
                r#"{"code":"auth.unauthorized","message":"Invalid or expired token."}"#,
            )
        } else if let Some(rule) = s
            .rules
            .iter()
            .rev()
            .find(|r| r.path == rec.path && r.method.as_deref().is_none_or(|m| m == rec.method))
        {
            rule.reply.clone()
        } else {
            s.default.clone()
        }
    };
    let mut reply = reply;
    if reply.echo {
        reply.body = rec.body.clone();
    }
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await;
    }
    build(reply)
}

fn build(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = match reply.fault {
        None => Response::new(Body::from(reply.body)),
        Some(Fault::ResetMidBody { sent, declared_len }) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(sent),
                Err(std::io::Error::other("mock: connection reset mid-body")),
            ];
            let mut r = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(declared_len));
            r
        }
    };
    *resp.status_mut() = status;
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            resp.headers_mut().append(n, v);
        }
    }
    resp
}

/// A TCP server that accepts connections, reads the start of each request and closes the connection without
/// answering. Returns its address; it runs until the runtime stops.
pub async fn hangup_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the hang-up server");
    let addr = listener.local_addr().expect("hang-up server address");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = tokio::time::timeout(
                    Duration::from_secs(2),
                    tokio::io::AsyncReadExt::read(&mut sock, &mut buf),
                )
                .await;
                drop(sock);
            });
        }
    });
    addr
}
