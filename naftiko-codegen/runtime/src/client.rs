//! Runtime support for generated Naftiko clients: the transport, request building, responses and errors.
//!
//! This module depends on nothing else of this crate, only on `reqwest`, `serde`, `serde_json`, `percent-encoding`,
//! `base64`, `thiserror`, `bytes` and `tokio` (`sync`): `cargo xtask vendor-client` copies it into a standalone client
//! crate.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub use reqwest::Method;
/// Any JSON value: what a body template's values are.
pub use serde_json::Value as JsonValue;

/// A secret value (a token, a client secret). Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call only where it is sent, never where it could be logged.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests authenticate to the upstream. Every credential is a [`Secret`]: `Debug` shows none of them.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>`, a fixed token.
    Bearer(Secret),
    /// OAuth 2.0 client credentials: a token is fetched, cached, and refreshed before it expires.
    ClientCredentials(ClientCredentials),
    /// HTTP Basic: `Authorization: Basic <base64(username:password)>`. The user name is held as a secret too: some
    /// APIs take their key as the user name.
    Basic {
        username: Secret,
        password: Secret,
    },
    /// API keys sent with every request, each a header or a query parameter (several headers are allowed).
    ApiKeys(Vec<ApiKey>),
}

/// A parameter sent with every request to the upstream: a header, or a query parameter appended after each
/// request's own. API keys are such parameters ([`ApiKey`]), and so are the values a spec fixes for every request of
/// an API (its API-level `inputParameters`: `Registry-Version: 2024-01`, `User-Agent: …`). The value is a [`Secret`],
/// marked sensitive as a header: `Debug` shows none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedParam {
    pub placement: KeyPlacement,
    /// The header's or the query parameter's name (`X-Api-Key`, `api_key`).
    pub name: String,
    pub value: Secret,
}

/// One API key: a header, or a query parameter appended to every request's query.
pub type ApiKey = FixedParam;

impl FixedParam {
    /// A parameter sent as the header `name`.
    pub fn header(name: impl Into<String>, value: Secret) -> Self {
        FixedParam {
            placement: KeyPlacement::Header,
            name: name.into(),
            value,
        }
    }

    /// A parameter sent as the query parameter `name`.
    pub fn query(name: impl Into<String>, value: Secret) -> Self {
        FixedParam {
            placement: KeyPlacement::Query,
            name: name.into(),
            value,
        }
    }
}

/// Where a [`FixedParam`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPlacement {
    Header,
    Query,
}

/// The bound value `var` (read from `key`) that authentication needs: unset, it is an [`Error::Config`] naming both,
/// never the value.
pub fn require_bound(value: &Option<Secret>, var: &str, key: &str) -> Result<Secret, Error> {
    value
        .clone()
        .ok_or_else(|| Error::Config(format!("`{{{{{var}}}}}` is not set (read from `{key}`)")))
}

/// An OAuth 2.0 `client_credentials` grant (what Logto calls a machine-to-machine app).
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// The token endpoint, e.g. `https://tenant.logto.app/oidc/token`.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The `resource` (API indicator) the token is for.
    pub resource: Option<String>,
    pub scope: Option<String>,
    /// How long before expiry a token is refreshed.
    pub refresh_margin: Duration,
}

#[derive(Clone)]
struct CachedToken {
    token: Secret,
    refresh_at: Instant,
}

/// A token source shared by every clone of a transport: concurrent callers share one refresh.
#[derive(Debug)]
struct TokenSource {
    creds: ClientCredentials,
    cache: RwLock<Option<CachedToken>>,
    refresh: tokio::sync::Mutex<()>,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenSource {
    fn cached(&self) -> Option<Secret> {
        let guard = self.cache.read().ok()?;
        guard
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    async fn token(&self, http: &reqwest::Client) -> Result<Secret, Error> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let _one_refresh = self.refresh.lock().await;
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let fetched = self.fetch(http).await;
        #[cfg(feature = "metrics")]
        upstream_metrics::token_refresh(fetched.is_ok());
        fetched
    }

    /// Fetches a new token from the token endpoint and caches it.
    async fn fetch(&self, http: &reqwest::Client) -> Result<Secret, Error> {
        let c = &self.creds;
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if let Some(r) = &c.resource {
            form.push(("resource", r));
        }
        if let Some(s) = &c.scope {
            form.push(("scope", s));
        }
        let body: String = form_encode(&form);
        let resp = http
            .post(&c.token_url)
            .basic_auth(&c.client_id, Some(c.client_secret.expose()))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| Error::Auth(format!("token endpoint: {}", transport_error(e))))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Error::Auth(format!("token endpoint: {}", transport_error(e))))?;
        if !status.is_success() {
            let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.get("error_description")
                        .or_else(|| v.get("error"))
                        .and_then(|e| e.as_str().map(str::to_owned))
                })
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            return Err(Error::Auth(format!(
                "token endpoint answered {}{detail}",
                status.as_u16()
            )));
        }
        let t: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Auth("token endpoint answered without an `access_token`".into()))?;
        let lifetime = Duration::from_secs(t.expires_in.unwrap_or(3600));
        let token = Secret::new(t.access_token);
        let refresh_at = Instant::now() + lifetime.saturating_sub(c.refresh_margin);
        if let Ok(mut guard) = self.cache.write() {
            *guard = Some(CachedToken {
                token: token.clone(),
                refresh_at,
            });
        }
        Ok(token)
    }

    /// Forgets `stale` (the upstream refused it), so that the next call fetches a new token.
    fn invalidate(&self, stale: &Secret) {
        if let Ok(mut guard) = self.cache.write()
            && guard.as_ref().is_some_and(|c| &c.token == stale)
        {
            *guard = None;
        }
    }
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| utf8_percent_encode(s, FORM).to_string();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `application/x-www-form-urlencoded` keeps only unreserved characters (space is encoded as `%20`, which every
/// server reads like `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Everything a [`Transport`] needs.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// The upstream's base URL, e.g. `https://tenant.logto.app` (no trailing slash needed).
    pub base_url: String,
    pub auth: Auth,
    /// Headers and query parameters sent with every request besides the authentication's (a spec's API-level
    /// `inputParameters`; the generated `…_params` function builds them from the bound values).
    pub params: Vec<FixedParam>,
    /// Time allowed for one whole upstream exchange.
    pub timeout: Duration,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
}

impl TransportConfig {
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        TransportConfig {
            base_url: base_url.into(),
            auth,
            params: Vec::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 16 * 1024 * 1024,
        }
    }

    /// This configuration, sending `params` with every request too.
    pub fn with_params(mut self, params: Vec<FixedParam>) -> Self {
        self.params = params;
        self
    }
}

/// The connection-pooled HTTP transport every generated method sends through. Cheap to clone (shared pool).
#[derive(Clone, Debug)]
pub struct Transport {
    http: reqwest::Client,
    base: reqwest::Url,
    /// The base URL's path without its trailing `/`, prefixed to every request path.
    base_path: String,
    auth: Auth,
    /// The headers of a fixed authentication (`Authorization: Bearer …`, `Authorization: Basic …`, API key headers)
    /// and the fixed parameters, built once and marked sensitive.
    fixed_headers: HeaderList,
    /// API keys and fixed parameters sent in the query, after the operation's own parameters.
    fixed_query: Vec<(String, Secret)>,
    /// Whether a fixed header sets `Content-Type`: then a JSON body does not set it again.
    fixed_content_type: bool,
    /// The base URL's `host[:port]` (the port only when not the scheme's default), built once: the `Host` header
    /// hyper would otherwise format for every request.
    host: reqwest::header::HeaderValue,
    tokens: Option<Arc<TokenSource>>,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
}

/// A file of `key: value` lines, as a binding's `location` names one (`file:///./secrets.yaml`): read when the program
/// starts, each value a [`Secret`]. A line is a key, a colon and a value, which may be quoted (`'…'` or `"…"`); blank
/// lines and lines starting with `#` are skipped.
#[derive(Clone, Debug, Default)]
pub struct KeyFile {
    values: std::collections::BTreeMap<String, Secret>,
}

impl KeyFile {
    /// Reads the file at `path` (relative to the working directory when it is relative).
    pub fn read(path: &str) -> Result<KeyFile, Error> {
        std::fs::read_to_string(path)
            .map(|text| KeyFile::parse(&text))
            .map_err(|e| Error::Config(format!("cannot read the bound values of `{path}`: {e}")))
    }

    pub fn parse(text: &str) -> KeyFile {
        let values = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && l != &"---")
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| {
                let v = v.trim();
                let unquoted = [('"', '"'), ('\'', '\'')]
                    .iter()
                    .find_map(|(open, close)| v.strip_prefix(*open)?.strip_suffix(*close))
                    .unwrap_or(v);
                (k.trim().to_owned(), Secret::new(unquoted))
            })
            .collect();
        KeyFile { values }
    }

    /// The value of `key`; none when the file does not have it, or has it empty.
    pub fn get(&self, key: &str) -> Option<Secret> {
        self.values
            .get(key)
            .filter(|v| !v.expose().is_empty())
            .cloned()
    }
}

/// What went wrong with an upstream call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments cannot form a safe request (an empty or dot-segment path value, say).
    #[error("invalid argument `{param}`: {reason}")]
    InvalidArgument { param: &'static str, reason: String },
    /// The upstream could not be reached.
    #[error("could not connect to the upstream: {0}")]
    Connect(String),
    /// The upstream did not answer in time.
    #[error("the upstream did not answer within the timeout")]
    Timeout,
    /// The upstream answered with an error status.
    #[error("{0}")]
    Status(Box<StatusError>),
    /// The upstream answered, but not with the JSON it promised (or the exchange broke off).
    #[error("the upstream's response is invalid: {0}")]
    InvalidResponse(String),
    /// The transport could not be built (bad base URL, TLS set-up).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// No access token could be obtained for the upstream.
    #[error("could not obtain an upstream access token: {0}")]
    Auth(String),
}

/// An upstream error status, with what came with it.
#[derive(Debug)]
pub struct StatusError {
    pub status: u16,
    /// The upstream's `{code, message, data}` error body, when it sent one.
    pub detail: Option<ErrorBody>,
    pub headers: ResponseHeaders,
    /// The body, when it was JSON.
    pub body: Option<JsonBody>,
    /// The body, when it was not JSON (its type is `headers.content_type`).
    pub raw: Option<Bytes>,
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the upstream answered {}", self.status)?;
        match &self.detail {
            Some(d) => write!(f, ": {d}"),
            None => Ok(()),
        }
    }
}

/// An API error body as Logto (and many APIs) send it: `{"code": "...", "message": "...", "details": "...",
/// "data": ...}`. For a refused input Logto's `details` names the field and why (`Error in key path "type": …`), and
/// `data` holds the same as structured issues.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}"),
            (Some(c), None) => f.write_str(c),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str("no detail"),
        }
    }
}

/// The response headers callers need to pass on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    pub content_type: Option<String>,
    /// Pagination: the total number of entries (`Total-Number`).
    pub total_number: Option<String>,
    /// Pagination: whether the total was capped (`Total-Number-Is-Capped`).
    pub total_number_is_capped: Option<String>,
    /// Pagination: every `Link` header, in the order sent (Logto sends one per relation: `first`, `prev`, `next`,
    /// `last`).
    pub links: Vec<String>,
}

/// A successful upstream response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: ResponseHeaders,
    /// The JSON body, validated and kept verbatim; `None` for an empty body (204) or one that is not JSON.
    pub body: Option<JsonBody>,
    /// A `text/plain` body (Logto answers some writes with `Created` or `OK`), kept as sent.
    pub raw: Option<Bytes>,
}

impl Response {
    /// A plain-text body, as text (lossily decoded when it is not UTF-8).
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.raw.as_deref().map(String::from_utf8_lossy)
    }

    /// The body parsed into `T` (`serde_json::Value` for any JSON).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        self.body
            .as_ref()
            .map(|b| serde_json::from_slice(b.as_bytes()))
            .transpose()
            .map_err(|e| {
                Error::InvalidResponse(format!("body does not have the expected shape: {e}"))
            })
    }
}

impl Response {
    /// The body read into its model `T`, with the status and headers. A body that does not fit the model is
    /// [`Error::InvalidResponse`], naming where (`.users[3].type: unknown variant …`); no body reads as JSON `null`
    /// (what `Option` and `()` accept).
    pub fn typed<T: serde::de::DeserializeOwned>(self) -> Result<Typed<T>, Error> {
        let bytes = self.body.as_ref().map_or(&b"null"[..], JsonBody::as_bytes);
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let at = e.path().to_string();
            Error::InvalidResponse(format!(
                "the body does not fit its model at `{at}`: {}",
                e.inner()
            ))
        })?;
        Ok(Typed {
            status: self.status,
            headers: self.headers,
            value,
        })
    }

    /// The status and headers of a response documented without a body (`204`, or `Created`), whatever it holds.
    pub fn empty(self) -> Result<Typed<()>, Error> {
        Ok(Typed {
            status: self.status,
            headers: self.headers,
            value: (),
        })
    }
}

/// A successful response read into its model: the value, with the status and headers (`Total-Number`, `Link`). It
/// derefs to the value: `client.get_application(id).await?.name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed<T> {
    pub status: u16,
    pub headers: ResponseHeaders,
    pub value: T,
}

impl<T> Typed<T> {
    /// The value, without status and headers.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> std::ops::Deref for Typed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// A request body already written, with its `Content-Type`.
#[derive(Clone, Debug)]
pub struct RawBody {
    pub bytes: Bytes,
    pub content_type: &'static str,
}

impl RawBody {
    /// A body of `content_type`.
    pub fn new(bytes: impl Into<Bytes>, content_type: &'static str) -> Self {
        RawBody {
            bytes: bytes.into(),
            content_type,
        }
    }

    /// A JSON body.
    pub fn json(bytes: impl Into<Bytes>) -> Self {
        Self::new(bytes, "application/json")
    }
}

/// `v` as a JSON value, for a body template (an input of any type feeds a template's value).
pub fn json_value<T: serde::Serialize + ?Sized>(v: &T) -> JsonValue {
    serde_json::to_value(v).unwrap_or(JsonValue::Null)
}

/// Writes `v` where a JSON value goes in a body template (`"crewIds": {{crewIds}}`): as JSON.
pub fn push_json(out: &mut String, v: &serde_json::Value) {
    out.push_str(&v.to_string());
}

/// Writes `v` inside a JSON string of a body template (`"name": "{{name}}"`): a string's text, any other value's
/// JSON, escaped as a JSON string's content, so that no value can end the string.
pub fn push_json_string(out: &mut String, v: &serde_json::Value) {
    let quoted = match v {
        serde_json::Value::String(s) => serde_json::Value::from(s.as_str()).to_string(),
        other => serde_json::Value::from(other.to_string()).to_string(),
    };
    out.push_str(
        quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or_default(),
    );
}

/// Writes `v` in a text body: a string's text as it is, any other value's JSON.
pub fn push_text(out: &mut String, v: &serde_json::Value) {
    match v {
        serde_json::Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_string()),
    }
}

/// Writes `v` as (part of) a form field's value: its text (as [`push_text`]), percent-encoded.
pub fn push_form(out: &mut String, v: &serde_json::Value) {
    let mut text = String::new();
    push_text(&mut text, v);
    out.extend(utf8_percent_encode(&text, FORM));
}

/// One JSON value as the upstream sent it: validated (UTF-8, a single JSON value), kept verbatim and shared without
/// copying.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonBody(Bytes);

impl JsonBody {
    /// Checks that `bytes` hold exactly one JSON value (surrounding whitespace allowed).
    pub fn new(bytes: Bytes) -> Result<Self, serde_json::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            <serde_json::Error as serde::de::Error>::custom(format!("not UTF-8: {e}"))
        })?;
        serde_json::from_str::<serde::de::IgnoredAny>(text)?;
        Ok(JsonBody(bytes))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        // Checked to be UTF-8 when built.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonBody").field(&self.get()).finish()
    }
}

/// Characters kept as they are in a path segment: RFC 3986 unreserved. Everything else — `/`, `?`, `#`, `%`, `;`,
/// spaces, control characters, non-ASCII — is percent-encoded, so a value is exactly one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `value` to `path` as exactly one percent-encoded path segment. Values that cannot be one segment — empty,
/// `.` or `..` (which URL parsers resolve against the path) — are refused.
pub fn push_segment(path: &mut String, param: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::InvalidArgument {
            param,
            reason: "must not be empty".into(),
        });
    }
    if value == "." || value == ".." {
        return Err(Error::InvalidArgument {
            param,
            reason: format!("`{value}` is not allowed as a path segment"),
        });
    }
    path.extend(utf8_percent_encode(value, SEGMENT));
    Ok(())
}

/// Query parameters, in the order they are added.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn push(&mut self, key: &str, value: impl fmt::Display) {
        self.pairs.push((key.to_owned(), value.to_string()));
    }

    pub fn push_opt<T: fmt::Display>(&mut self, key: &str, value: Option<T>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    /// An array-typed parameter: one `key=value` pair per element, in order (`id=a&id=b`); none for an empty one.
    pub fn push_each<T: fmt::Display>(&mut self, key: &str, values: impl IntoIterator<Item = T>) {
        for v in values {
            self.push(key, v);
        }
    }

    /// An object-typed parameter, sent form-exploded: each entry becomes its own `key=value` pair.
    pub fn push_map<'a>(&mut self, map: impl IntoIterator<Item = (&'a String, &'a String)>) {
        for (k, v) in map {
            self.pairs.push((k.clone(), v.clone()));
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// The headers one request sends for its operation's header parameters, in the order they are added. A value is
/// checked when it is added: one that cannot be a header value (a line break, a control character) is an
/// [`Error::InvalidArgument`] naming the parameter, never showing the value. Values are marked sensitive, and `Debug`
/// shows the names only.
#[derive(Clone, Default)]
pub struct Headers {
    list: HeaderList,
}

impl Headers {
    pub fn new() -> Self {
        Headers::default()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Adds the header `name` (a header name the compiler has checked) with `value`.
    pub fn push(&mut self, name: &'static str, value: &str) -> Result<(), Error> {
        let header = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::InvalidArgument {
                param: name,
                reason: "must be a valid header name".into(),
            }
        })?;
        let mut v =
            reqwest::header::HeaderValue::from_str(value).map_err(|_| Error::InvalidArgument {
                param: name,
                reason:
                    "must be a valid header value: visible ASCII, spaces and tabs, no line breaks"
                        .into(),
            })?;
        v.set_sensitive(true);
        self.list.push((header, v));
        Ok(())
    }

    /// Adds the header `name` when there is a value.
    pub fn push_opt(&mut self, name: &'static str, value: Option<&str>) -> Result<(), Error> {
        match value {
            Some(v) => self.push(name, v),
            None => Ok(()),
        }
    }

    /// The names of the headers, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(n, _)| n.as_str())
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Transport {
    pub fn new(config: TransportConfig) -> Result<Self, Error> {
        let base = reqwest::Url::parse(config.base_url.trim_end_matches('/'))
            .map_err(|e| Error::Config(format!("base URL `{}`: {e}", config.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "base URL `{}` is not an http(s) URL",
                config.base_url
            )));
        }
        let http = Self::http(config.timeout, config.connect_timeout, &base)?;
        let tokens = match &config.auth {
            Auth::ClientCredentials(c) => Some(Arc::new(TokenSource {
                creds: c.clone(),
                cache: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(()),
            })),
            _ => None,
        };
        let (fixed_headers, fixed_query) = fixed_parts(&config.auth, &config.params)?;
        let fixed_content_type = fixed_headers
            .iter()
            .any(|(name, _)| name == reqwest::header::CONTENT_TYPE);
        let host = match (base.host_str(), base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => {
                return Err(Error::Config(format!(
                    "base URL `{}` has no host",
                    config.base_url
                )));
            }
        };
        let host = reqwest::header::HeaderValue::from_str(&host).map_err(|_| {
            Error::Config(format!(
                "base URL `{}`: the host is not a valid header value",
                config.base_url
            ))
        })?;
        Ok(Transport {
            http,
            base_path: base.path().trim_end_matches('/').to_owned(),
            base,
            auth: config.auth,
            fixed_headers,
            fixed_query,
            fixed_content_type,
            host,
            tokens,
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_response_bytes: config.max_response_bytes,
        })
    }

    fn http(
        timeout: Duration,
        connect_timeout: Duration,
        base: &reqwest::Url,
    ) -> Result<reqwest::Client, Error> {
        let builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            // A redirect is the upstream's answer, passed on as is: following it would replay requests (bodies,
            // tokens) to wherever the upstream points.
            .redirect(reqwest::redirect::Policy::none());
        // reqwest retries what an HTTP/2 server refused unprocessed, and keeps a copy of every request for that.
        // Without TLS there is no HTTP/2 (reqwest negotiates it in the TLS handshake), so nothing to retry or copy.
        let builder = if base.scheme() == "https" {
            builder
        } else {
            builder.retry(reqwest::retry::never().max_retries_per_request(0))
        };
        // Without a proxy setting, no request is checked against an empty list of proxies.
        let builder = if proxies_configured() {
            builder
        } else {
            builder.no_proxy()
        };
        builder.build().map_err(|e| Error::Config(e.to_string()))
    }

    /// A transport with this one's configuration and token cache but a connection pool of its own: for servers
    /// that run one runtime per core, so that each keeps its upstream connections on its own thread.
    pub fn with_own_pool(&self) -> Result<Self, Error> {
        Ok(Transport {
            http: Self::http(self.timeout, self.connect_timeout, &self.base)?,
            ..self.clone()
        })
    }

    /// How requests authenticate to the upstream.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    pub fn base_url(&self) -> &reqwest::Url {
        &self.base
    }

    /// Sends one request. `path` is already encoded (built with [`push_segment`]); `body` is sent as JSON.
    pub async fn send<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&B>,
    ) -> Result<Response, Error> {
        self.send_with_headers(method, path, query, &Headers::new(), body)
            .await
    }

    /// Sends one request with the operation's own `headers`, after the fixed ones (see [`Transport::send`]).
    pub async fn send_with_headers<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        headers: &Headers,
        body: Option<&B>,
    ) -> Result<Response, Error> {
        let body = match body {
            Some(b) => Some(RawBody::json(serde_json::to_vec(b).map_err(|e| {
                Error::InvalidArgument {
                    param: "body",
                    reason: e.to_string(),
                }
            })?)),
            None => None,
        };
        self.send_raw(method, path, query, headers, body).await
    }

    /// Sends one request with a body already written (a spec's body template, filled): sent as it is, with its
    /// content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        headers: &Headers,
        body: Option<RawBody>,
    ) -> Result<Response, Error> {
        let mut url = self.base.clone();
        let mut full_path = String::with_capacity(self.base_path.len() + path.len());
        full_path.push_str(&self.base_path);
        full_path.push_str(path);
        url.set_path(&full_path);
        // `set_path` must not have reinterpreted anything: the path is sent exactly as built.
        if url.path() != full_path {
            return Err(Error::InvalidArgument {
                param: "path",
                reason: "the path would not be sent as built".into(),
            });
        }
        if !query.is_empty() || !self.fixed_query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.pairs())
                .extend_pairs(self.fixed_query.iter().map(|(k, v)| (k, v.expose())));
        }
        // A refused client-credentials token is refreshed once and the call retried: only then is the request kept
        // for a second attempt.
        let again = self.tokens.is_some().then(|| (url.clone(), body.clone()));
        let exchange = Exchange::start();
        let resp = match self.attempt(&method, url, headers, body).await {
            Ok(resp) => resp,
            Err(e) => {
                exchange.done(None);
                return Err(e);
            }
        };
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED
            && let Some(tokens) = &self.tokens
            && let Some(used) = resp.extensions().get::<UsedToken>()
            && let Some((url, body)) = again
        {
            exchange.done(Some(reqwest::StatusCode::UNAUTHORIZED.as_u16()));
            tokens.invalidate(&used.0);
            let exchange = Exchange::start();
            let retry = match self.attempt(&method, url, headers, body).await {
                Ok(resp) => resp,
                Err(e) => {
                    exchange.done(None);
                    return Err(e);
                }
            };
            return self.read_exchange(retry, exchange).await;
        }
        self.read_exchange(resp, exchange).await
    }

    /// Reads the answer of `exchange`, which then ends.
    async fn read_exchange(
        &self,
        resp: reqwest::Response,
        exchange: Exchange,
    ) -> Result<Response, Error> {
        let status = resp.status().as_u16();
        let read = self.read(resp).await;
        exchange.done(Some(status));
        read
    }

    async fn attempt(
        &self,
        method: &Method,
        url: reqwest::Url,
        headers: &Headers,
        body: Option<RawBody>,
    ) -> Result<reqwest::Response, Error> {
        let mut req = self
            .http
            .request(method.clone(), url)
            .header(reqwest::header::HOST, self.host.clone());
        for (name, value) in self.fixed_headers.iter().chain(&headers.list) {
            req = req.header(name.clone(), value.clone());
        }
        let mut used = None;
        if let Some(tokens) = &self.tokens {
            let token = tokens.token(&self.http).await?;
            req = req.bearer_auth(token.expose());
            used = Some(token);
        }
        if let Some(b) = body {
            if !self.fixed_content_type {
                req = req.header(reqwest::header::CONTENT_TYPE, b.content_type);
            }
            req = req.body(b.bytes);
        }
        let mut resp = req.send().await.map_err(transport_error)?;
        if let Some(t) = used {
            resp.extensions_mut().insert(UsedToken(t));
        }
        Ok(resp)
    }

    async fn read(&self, mut resp: reqwest::Response) -> Result<Response, Error> {
        let status = resp.status().as_u16();
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let headers = ResponseHeaders {
            content_type: get("content-type"),
            total_number: get("total-number"),
            total_number_is_capped: get("total-number-is-capped"),
            links: h
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .collect(),
        };
        let too_large = || {
            Error::InvalidResponse(format!(
                "body larger than {} bytes",
                self.max_response_bytes
            ))
        };
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_response_bytes as u64)
        {
            return Err(too_large());
        }
        // A declared length is what hyper reads, no more: the body comes in one piece, without a copy.
        let mut buf: Bytes = if resp.content_length().is_some() {
            resp.bytes().await.map_err(transport_error)?
        } else {
            let mut buf = bytes::BytesMut::new();
            while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
                if buf.len() + chunk.len() > self.max_response_bytes {
                    return Err(too_large());
                }
                buf.extend_from_slice(&chunk);
            }
            buf.freeze()
        };
        let success = (200..300).contains(&status);
        if buf.iter().all(u8::is_ascii_whitespace) {
            buf = Bytes::new();
        }
        if success {
            if buf.is_empty() {
                return Ok(Response {
                    status,
                    headers,
                    body: None,
                    raw: None,
                });
            }
            // A success is JSON, or plain text (Logto's `Created` and `OK`): a body declared as JSON, or not
            // declared at all, must be JSON, and any other type (an HTML login page from something in between, say)
            // is not the API's answer.
            match headers.content_type.as_deref() {
                Some(t) if is_plain_text(t) => {
                    return Ok(Response {
                        status,
                        headers,
                        body: None,
                        raw: Some(buf),
                    });
                }
                Some(t) if !is_json_type(t) => {
                    return Err(Error::InvalidResponse(format!(
                        "status {status} with a `{}` body, neither JSON nor plain text",
                        t.split(';').next().unwrap_or_default().trim()
                    )));
                }
                _ => {}
            }
            let body = JsonBody::new(buf).map_err(|e| {
                Error::InvalidResponse(format!(
                    "status {status} with a body that is not JSON ({e})"
                ))
            })?;
            return Ok(Response {
                status,
                headers,
                body: Some(body),
                raw: None,
            });
        }
        // An error status: its body is kept whatever it is, as JSON when it is JSON.
        let (body, raw) = if buf.is_empty() {
            (None, None)
        } else {
            match JsonBody::new(buf.clone()) {
                Ok(json) => (Some(json), None),
                Err(_) => (None, Some(buf)),
            }
        };
        let detail = body
            .as_ref()
            .and_then(|b| serde_json::from_slice::<ErrorBody>(b.as_bytes()).ok())
            .filter(|e| e.code.is_some() || e.message.is_some());
        Err(Error::Status(Box::new(StatusError {
            status,
            detail,
            headers,
            body,
            raw,
        })))
    }
}

/// Headers sent with every request.
pub(crate) type HeaderList = Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>;

/// The headers and query pairs a fixed authentication and the fixed parameters add to every request, in that order.
/// Errors name the header, never a value.
pub(crate) fn fixed_parts(
    auth: &Auth,
    params: &[FixedParam],
) -> Result<(HeaderList, Vec<(String, Secret)>), Error> {
    use base64::Engine as _;
    use reqwest::header::AUTHORIZATION;
    let mut headers = Vec::new();
    let mut query = Vec::new();
    match auth {
        Auth::None | Auth::ClientCredentials(_) => {}
        Auth::Bearer(t) => headers.push((
            AUTHORIZATION,
            sensitive_value(&format!("Bearer {}", t.expose()), "the bearer token")?,
        )),
        Auth::Basic { username, password } => {
            if username.expose().contains(':') {
                return Err(Error::Config(
                    "the basic user name contains `:`, which separates it from the password".into(),
                ));
            }
            let pair = format!("{}:{}", username.expose(), password.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            headers.push((
                AUTHORIZATION,
                sensitive_value(&format!("Basic {encoded}"), "the basic credential header")?,
            ));
        }
        Auth::ApiKeys(keys) => {
            for k in keys {
                add_fixed(k, "API key ", &mut headers, &mut query)?;
            }
        }
    }
    for p in params {
        add_fixed(p, "", &mut headers, &mut query)?;
    }
    Ok((headers, query))
}

/// A header value marked sensitive (hyper keeps it out of HTTP/2 header tables and `Debug`); `what` names it in the
/// error, which never shows the value.
fn sensitive_value(v: &str, what: &str) -> Result<reqwest::header::HeaderValue, Error> {
    let mut v = reqwest::header::HeaderValue::from_str(v)
        .map_err(|_| Error::Config(format!("{what} is not a valid header value")))?;
    v.set_sensitive(true);
    Ok(v)
}

/// Adds `p` to the fixed headers or query pairs. `kind` names it in errors: "the API key header `X-Api-Key`", "the
/// header `User-Agent`".
fn add_fixed(
    p: &FixedParam,
    kind: &str,
    headers: &mut HeaderList,
    query: &mut Vec<(String, Secret)>,
) -> Result<(), Error> {
    match p.placement {
        KeyPlacement::Header => {
            let name =
                reqwest::header::HeaderName::from_bytes(p.name.as_bytes()).map_err(|_| {
                    Error::Config(format!(
                        "the {kind}header `{}` is not a valid header name",
                        p.name
                    ))
                })?;
            let what = format!("the {kind}header `{}`", p.name);
            headers.push((name, sensitive_value(p.value.expose(), &what)?));
        }
        KeyPlacement::Query => {
            if p.name.is_empty() {
                let article = if kind.is_empty() { "a" } else { "an" };
                return Err(Error::Config(format!(
                    "{article} {kind}query parameter has no name"
                )));
            }
            query.push((p.name.clone(), p.value.clone()));
        }
    }
    Ok(())
}

/// Whether a `Content-Type` is `text/plain` (with any parameters).
fn is_plain_text(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("text/plain")
}

/// Whether a `Content-Type` names JSON: `application/json`, or any `+json` type (`application/problem+json`).
pub(crate) fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype
                .len()
                .checked_sub(5)
                .and_then(|start| subtype.get(start..))
                .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json")))
}

/// Whether reqwest could send through a proxy: it takes proxies from `ALL_PROXY`, `HTTP_PROXY` and `HTTPS_PROXY` (in
/// either case) and, on macOS and Windows, from the system settings.
fn proxies_configured() -> bool {
    cfg!(any(target_os = "macos", windows))
        || [
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
        ]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// One upstream exchange, from the request to the end of its answer's body: its status class and latency are
/// recorded when it is done (with the `metrics` feature; without it, this is nothing).
struct Exchange {
    #[cfg(feature = "metrics")]
    started: Instant,
}

impl Exchange {
    fn start() -> Self {
        Exchange {
            #[cfg(feature = "metrics")]
            started: Instant::now(),
        }
    }

    /// Ends the exchange: `status` is the upstream's answer, `None` when there was none (a transport failure,
    /// a timeout, no token).
    fn done(self, status: Option<u16>) {
        #[cfg(feature = "metrics")]
        upstream_metrics::exchange(status, self.started);
        #[cfg(not(feature = "metrics"))]
        let _ = status;
    }
}

/// Upstream metrics through the `metrics` facade: no-ops until the program installs a recorder. Every label value
/// is a fixed word (never a path, a value or a token). The handles are registered at their first use and kept, so
/// that recording is an atomic increment and a histogram sample: install the recorder before the first request.
#[cfg(feature = "metrics")]
mod upstream_metrics {
    use std::sync::OnceLock;
    use std::time::Instant;

    use metrics::{Counter, Histogram};

    const CLASSES: [&str; 6] = ["2xx", "3xx", "4xx", "5xx", "other", "error"];
    static REQUESTS: [OnceLock<Counter>; 6] = [const { OnceLock::new() }; 6];
    static DURATION: OnceLock<Histogram> = OnceLock::new();
    static REFRESHES: [OnceLock<Counter>; 2] = [const { OnceLock::new() }; 2];

    /// `gateway_upstream_requests_total{status_class}` and `gateway_upstream_duration_seconds`.
    pub(super) fn exchange(status: Option<u16>, started: Instant) {
        let class = match status {
            Some(200..=299) => 0,
            Some(300..=399) => 1,
            Some(400..=499) => 2,
            Some(500..=599) => 3,
            Some(_) => 4,
            None => 5,
        };
        REQUESTS[class]
            .get_or_init(|| {
                metrics::counter!("gateway_upstream_requests_total", "status_class" => CLASSES[class])
            })
            .increment(1);
        DURATION
            .get_or_init(|| metrics::histogram!("gateway_upstream_duration_seconds"))
            .record(started.elapsed().as_secs_f64());
    }

    /// `gateway_token_refreshes_total{result}`: one fetch of a client-credentials token.
    pub(super) fn token_refresh(ok: bool) {
        let (i, result) = if ok { (0, "ok") } else { (1, "error") };
        REFRESHES[i]
            .get_or_init(|| metrics::counter!("gateway_token_refreshes_total", "result" => result))
            .increment(1);
    }
}

/// The client-credentials token a response was obtained with.
#[derive(Clone)]
struct UsedToken(Secret);

fn transport_error(e: reqwest::Error) -> Error {
    // reqwest's messages carry the URL; strip it (it may hold a tenant or a query value) and keep the cause.
    let e = e.without_url();
    if e.is_timeout() {
        Error::Timeout
    } else if e.is_connect() {
        Error::Connect(error_chain(&e))
    } else {
        Error::InvalidResponse(error_chain(&e))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_check_their_values_and_show_names_only() {
        let mut h = Headers::new();
        h.push("X-Trace-Id", "secret-trace").unwrap();
        h.push_opt("X-Page-Size", None).unwrap();
        h.push_opt("X-Tenant", Some("t")).unwrap();
        assert_eq!(h.names().collect::<Vec<_>>(), ["x-trace-id", "x-tenant"]);
        assert_eq!(format!("{h:?}"), r#"["x-trace-id", "x-tenant"]"#);
        let e = h.push("X-Trace-Id", "a\r\nInjected: secret").unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    param: "X-Trace-Id",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(h.push("Not A Name", "v").is_err());
    }

    #[test]
    fn array_parameters_repeat_their_key() {
        let mut q = Query::new();
        q.push_each("id", ["a", "b"]);
        q.push_each("none", Vec::<String>::new());
        assert_eq!(
            q.pairs(),
            [
                ("id".to_owned(), "a".to_owned()),
                ("id".to_owned(), "b".to_owned())
            ]
        );
    }

    #[derive(Debug, serde::Deserialize)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        count: i64,
    }

    fn response(body: Option<&'static str>) -> Response {
        Response {
            status: 200,
            headers: ResponseHeaders {
                total_number: Some("3".into()),
                ..Default::default()
            },
            body: body.map(|b| JsonBody::new(Bytes::from_static(b.as_bytes())).unwrap()),
            raw: None,
        }
    }

    #[test]
    fn a_key_file_reads_key_value_lines_quoted_or_not_and_hides_them() {
        let f = KeyFile::parse(
            "# bound values\n---\nregistry-bearer-token: \"dummy-token\"\napi-version: 1.0.0-alpha2\nurl: 'https://x.example:8443/a'\nempty: ''\n",
        );
        assert_eq!(
            f.get("registry-bearer-token").unwrap().expose(),
            "dummy-token"
        );
        assert_eq!(f.get("api-version").unwrap().expose(), "1.0.0-alpha2");
        assert_eq!(f.get("url").unwrap().expose(), "https://x.example:8443/a");
        assert!(f.get("empty").is_none() && f.get("missing").is_none());
        assert!(!format!("{f:?}").contains("dummy-token"));
        match KeyFile::read("/nonexistent/secrets.yaml") {
            Err(Error::Config(m)) => assert!(
                m.starts_with("cannot read the bound values of `/nonexistent/secrets.yaml`"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_typed_response_keeps_status_and_headers_and_names_where_a_body_does_not_fit() {
        let typed = response(Some(r#"{"inner": {"count": 2}}"#))
            .typed::<Outer>()
            .unwrap();
        assert_eq!(
            (typed.status, typed.headers.total_number.as_deref()),
            (200, Some("3"))
        );
        assert_eq!(typed.inner.count, 2);
        match response(Some(r#"{"inner": {"count": "two"}}"#)).typed::<Outer>() {
            Err(Error::InvalidResponse(m)) => {
                assert!(
                    m.starts_with("the body does not fit its model at `inner.count`: invalid type"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(response(None).typed::<()>().is_ok());
        assert!(response(Some("{}")).empty().is_ok());
    }

    fn transport() -> Transport {
        Transport::new(TransportConfig::new("http://127.0.0.1:9/base/", Auth::None)).unwrap()
    }

    /// What [`Transport::read`] makes of an answer.
    async fn read(
        status: u16,
        headers: &[(&str, &str)],
        body: &'static str,
    ) -> Result<Response, Error> {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        transport()
            .read(reqwest::Response::from(b.body(body).unwrap()))
            .await
    }

    #[test]
    fn secrets_never_show() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(<redacted>) <redacted>");
        let creds = ClientCredentials {
            token_url: "https://t/oidc/token".into(),
            client_id: "id".into(),
            client_secret: s,
            resource: None,
            scope: None,
            refresh_margin: Duration::from_secs(60),
        };
        assert!(!format!("{:?}", Auth::ClientCredentials(creds)).contains("hunter2"));
        let basic = Auth::Basic {
            username: Secret::new("aladdin-hunter2"),
            password: Secret::new("hunter2"),
        };
        let keys = Auth::ApiKeys(vec![
            ApiKey::header("X-Api-Key", Secret::new("hunter2")),
            ApiKey::query("api_key", Secret::new("hunter2")),
        ]);
        let encoded = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode("aladdin-hunter2:hunter2")
        };
        for auth in [basic, keys, Auth::Bearer(Secret::new("hunter2"))] {
            let shown = format!("{auth:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            // Nor the transport, which holds the headers built from them.
            let transport =
                Transport::new(TransportConfig::new("http://127.0.0.1:9", auth)).unwrap();
            let shown = format!("{transport:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains(&encoded),
                "{shown}"
            );
        }
        let keys = format!(
            "{:?}",
            Auth::ApiKeys(vec![ApiKey::header("X-Api-Key", Secret::new("hunter2"))])
        );
        assert!(keys.contains("X-Api-Key"), "the key's name shows: {keys}");
    }

    /// Serves `n` requests on a local port, answering each `{}`, and hands back each request's head: its request
    /// line, then its headers with lower-case names.
    async fn serve(n: usize) -> (String, tokio::task::JoinHandle<Vec<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/base", listener.local_addr().unwrap());
        let heads = tokio::spawn(async move {
            let mut heads = Vec::new();
            for _ in 0..n {
                let (mut sock, _) = listener.accept().await.unwrap();
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let read = sock.read(&mut buf).await.unwrap();
                    assert!(read > 0, "the request ended before its head did");
                    head.extend_from_slice(&buf[..read]);
                }
                sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                    .await
                    .unwrap();
                let head = String::from_utf8(head).unwrap();
                let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
                let mut out = vec![lines.next().unwrap().to_owned()];
                out.extend(lines.map(|l| match l.split_once(':') {
                    Some((k, v)) => format!("{}:{v}", k.to_ascii_lowercase()),
                    None => l.to_owned(),
                }));
                heads.push(out);
            }
            heads
        });
        (base, heads)
    }

    /// The heads of `queries.len()` requests sent with `auth`, one with each query.
    async fn sent_with(auth: Auth, queries: &[Query]) -> Vec<Vec<String>> {
        let (base, heads) = serve(queries.len()).await;
        let transport = Transport::new(TransportConfig::new(base, auth)).unwrap();
        for q in queries {
            transport
                .send(Method::GET, "/items", q, None::<&()>)
                .await
                .unwrap();
        }
        heads.await.unwrap()
    }

    #[tokio::test]
    async fn api_keys_are_sent_as_headers_and_in_the_query_of_every_request() {
        let mut page = Query::new();
        page.push("page", 2);
        let auth = Auth::ApiKeys(vec![
            ApiKey::header("X-Api-Key", Secret::new("k1")),
            ApiKey::header("X-App-Key", Secret::new("a2")),
            ApiKey::query("api_key", Secret::new("s e/cret&")),
        ]);
        let heads = sent_with(auth, &[page, Query::new()]).await;
        assert_eq!(
            heads[0][0],
            "GET /base/items?page=2&api_key=s+e%2Fcret%26 HTTP/1.1"
        );
        assert_eq!(
            heads[1][0],
            "GET /base/items?api_key=s+e%2Fcret%26 HTTP/1.1"
        );
        for head in &heads {
            assert!(head.contains(&"x-api-key: k1".to_owned()), "{head:?}");
            assert!(head.contains(&"x-app-key: a2".to_owned()), "{head:?}");
            assert!(
                !head.iter().any(|h| h.starts_with("authorization:")),
                "{head:?}"
            );
        }
    }

    /// Each place of a body template writes a value its own way; none lets a value escape its place.
    #[test]
    fn template_values_are_written_for_their_place() {
        let v = serde_json::json!("a\"b\\c\n");
        let mut out = String::new();
        push_json_string(&mut out, &v);
        assert_eq!(out, r#"a\"b\\c\n"#);
        let mut out = String::new();
        push_json_string(&mut out, &serde_json::json!({"k": "v"}));
        assert_eq!(out, r#"{\"k\":\"v\"}"#);
        let mut out = String::new();
        push_json(&mut out, &v);
        assert_eq!(out, r#""a\"b\\c\n""#);
        let mut out = String::new();
        push_text(&mut out, &v);
        push_text(&mut out, &serde_json::json!(12));
        assert_eq!(out, "a\"b\\c\n12");
        let mut out = String::new();
        push_form(&mut out, &serde_json::json!("a b&c=d/é"));
        assert_eq!(out, "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(json_value(&Some(3)), serde_json::json!(3));
        assert_eq!(json_value(&None::<String>), serde_json::Value::Null);
    }

    /// A spec's fixed parameters go with every request, after the authentication's; a fixed `Content-Type` is the
    /// only one a JSON body is sent with.
    #[tokio::test]
    async fn fixed_params_are_sent_with_every_request_after_the_authentication() {
        let (base, heads) = serve(2).await;
        let config =
            TransportConfig::new(base, Auth::Bearer(Secret::new("t0k"))).with_params(vec![
                FixedParam::header("Registry-Version", Secret::new("2024-01")),
                FixedParam::header("Content-Type", Secret::new("application/vnd.api+json")),
                FixedParam::query("locale", Secret::new("fr FR")),
            ]);
        let transport = Transport::new(config).unwrap();
        let mut page = Query::new();
        page.push("page", 2);
        transport
            .send(Method::GET, "/items", &page, None::<&()>)
            .await
            .unwrap();
        transport
            .send(
                Method::POST,
                "/items",
                &Query::new(),
                Some(&serde_json::json!({})),
            )
            .await
            .unwrap();
        let heads = heads.await.unwrap();
        assert_eq!(heads[0][0], "GET /base/items?page=2&locale=fr+FR HTTP/1.1");
        assert_eq!(heads[1][0], "POST /base/items?locale=fr+FR HTTP/1.1");
        for head in &heads {
            assert!(
                head.contains(&"registry-version: 2024-01".to_owned()),
                "{head:?}"
            );
            assert!(
                head.contains(&"authorization: Bearer t0k".to_owned()),
                "{head:?}"
            );
        }
        let types: Vec<&String> = heads[1]
            .iter()
            .filter(|h| h.starts_with("content-type:"))
            .collect();
        assert_eq!(types, ["content-type: application/vnd.api+json"]);
        // Configuration errors name the parameter, never its value.
        let bad = TransportConfig::new("http://127.0.0.1:9", Auth::None).with_params(vec![
            FixedParam::header("X-Version", Secret::new("v1\nhunter2")),
        ]);
        let e = Transport::new(bad).unwrap_err().to_string();
        assert!(
            e.contains("the header `X-Version` is not a valid header value"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[tokio::test]
    async fn basic_credentials_are_the_base64_of_user_and_password() {
        // RFC 7617's example.
        let auth = Auth::Basic {
            username: Secret::new("Aladdin"),
            password: Secret::new("open sesame"),
        };
        let heads = sent_with(auth, &[Query::new(), Query::new()]).await;
        for head in &heads {
            assert_eq!(head[0], "GET /base/items HTTP/1.1");
            assert!(
                head.contains(&"authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned()),
                "{head:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_bearer_token_is_sent_as_it_was() {
        let heads = sent_with(Auth::Bearer(Secret::new("t0k")), &[Query::new()]).await;
        assert!(
            heads[0].contains(&"authorization: Bearer t0k".to_owned()),
            "{:?}",
            heads[0]
        );
    }

    #[test]
    fn credentials_that_cannot_be_sent_are_configuration_errors_naming_no_value() {
        let cases = [
            (
                Auth::ApiKeys(vec![ApiKey::header("X-Api-Key", Secret::new("hunter2\n"))]),
                "the API key header `X-Api-Key` is not a valid header value",
            ),
            (
                Auth::ApiKeys(vec![ApiKey::header("X Api", Secret::new("hunter2"))]),
                "the API key header `X Api` is not a valid header name",
            ),
            (
                Auth::ApiKeys(vec![ApiKey::query("", Secret::new("hunter2"))]),
                "an API key query parameter has no name",
            ),
            (
                Auth::Basic {
                    username: Secret::new("hunter2:x"),
                    password: Secret::new("hunter2"),
                },
                "the basic user name contains `:`, which separates it from the password",
            ),
            (
                Auth::Bearer(Secret::new("hunter2\r")),
                "the bearer token is not a valid header value",
            ),
        ];
        for (auth, message) in cases {
            let Err(Error::Config(m)) =
                Transport::new(TransportConfig::new("http://127.0.0.1:9", auth))
            else {
                panic!("{message}: a configuration error");
            };
            assert_eq!(m, message);
        }
        let unset = require_bound(&None, "SHOP_KEY", "SHOP_API_KEY").unwrap_err();
        assert_eq!(
            unset.to_string(),
            "invalid client configuration: `{{SHOP_KEY}}` is not set (read from `SHOP_API_KEY`)"
        );
        let set = require_bound(&Some(Secret::new("hunter2")), "SHOP_KEY", "SHOP_API_KEY");
        assert_eq!(set.unwrap().expose(), "hunter2");
    }

    #[test]
    fn a_path_value_is_exactly_one_segment() {
        let mut path = String::from("/api/");
        push_segment(&mut path, "id", "a/b?c#d%e f~._-é").unwrap();
        assert_eq!(path, "/api/a%2Fb%3Fc%23d%25e%20f~._-%C3%A9");
        for bad in ["", ".", ".."] {
            let e = push_segment(&mut String::new(), "id", bad).unwrap_err();
            assert!(
                matches!(e, Error::InvalidArgument { param: "id", .. }),
                "{bad:?}: {e}"
            );
        }
        // Dots within a value are data.
        let mut path = String::new();
        push_segment(&mut path, "id", "...").unwrap();
        assert_eq!(path, "...");
    }

    #[test]
    fn query_pairs_keep_their_order() {
        let mut q = Query::new();
        assert!(q.is_empty());
        q.push("page", 2);
        q.push_opt::<i64>("page_size", None);
        q.push_opt("search", Some("x y"));
        let map: std::collections::BTreeMap<String, String> = [
            ("search.name".to_owned(), "a".to_owned()),
            ("mode.name".to_owned(), "like".to_owned()),
        ]
        .into();
        q.push_map(&map);
        let keys: Vec<&str> = q.pairs().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["page", "search", "mode.name", "search.name"]);
    }

    #[test]
    fn form_values_keep_only_unreserved_characters() {
        assert_eq!(
            form_encode(&[("grant_type", "client_credentials"), ("scope", "a b&c=d+é")]),
            "grant_type=client_credentials&scope=a%20b%26c%3Dd%2B%C3%A9"
        );
    }

    #[test]
    fn content_types() {
        for t in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/problem+json",
        ] {
            assert!(is_json_type(t), "{t}");
        }
        for t in [
            "text/json",
            "application/jsonx",
            "+json",
            "application/",
            "text/plain",
        ] {
            assert!(!is_json_type(t), "{t}");
        }
        assert!(is_plain_text("text/plain; charset=utf-8"));
        assert!(!is_plain_text("text/html"));
    }

    #[test]
    fn a_json_body_is_one_value() {
        assert_eq!(
            JsonBody::new(Bytes::from_static(b" {\"a\":1}\n"))
                .unwrap()
                .get(),
            " {\"a\":1}\n"
        );
        for bad in [&b"{} {}"[..], b"{\"a\":", b"\xff", b"nope"] {
            assert!(
                JsonBody::new(Bytes::copy_from_slice(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn base_urls_must_be_http() {
        for bad in ["ftp://h", "mailto:a@b", "not a url", "http://"] {
            assert!(
                matches!(
                    Transport::new(TransportConfig::new(bad, Auth::None)),
                    Err(Error::Config(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(transport().base_url().as_str(), "http://127.0.0.1:9/base");
        assert_eq!(transport().base_path, "/base");
        assert_eq!(transport().host, "127.0.0.1:9");
        let default_port =
            Transport::new(TransportConfig::new("https://h.example:443", Auth::None)).unwrap();
        assert_eq!(default_port.host, "h.example");
    }

    #[tokio::test]
    async fn a_json_success_is_kept_verbatim_with_its_pagination_headers() {
        let r = read(
            200,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("total-number", "9"),
                ("link", "</x?page=1>; rel=\"first\""),
                ("link", "</x?page=2>; rel=\"next\""),
            ],
            "[1, 2]",
        )
        .await
        .unwrap();
        assert_eq!(r.body.as_ref().unwrap().get(), "[1, 2]");
        assert_eq!(r.json::<Vec<u8>>().unwrap(), Some(vec![1, 2]));
        assert_eq!(r.headers.total_number.as_deref(), Some("9"));
        assert_eq!(
            r.headers.links,
            ["</x?page=1>; rel=\"first\"", "</x?page=2>; rel=\"next\""]
        );
        assert!(r.raw.is_none());
    }

    #[tokio::test]
    async fn a_plain_text_success_is_kept_as_text() {
        let r = read(
            201,
            &[("content-type", "text/plain; charset=utf-8")],
            "Created",
        )
        .await
        .unwrap();
        assert_eq!(
            (r.status, r.body.is_none(), r.text().as_deref()),
            (201, true, Some("Created"))
        );
        let empty = read(204, &[], "").await.unwrap();
        assert!(empty.body.is_none() && empty.raw.is_none());
    }

    #[tokio::test]
    async fn a_success_that_is_not_what_it_says_is_an_invalid_response() {
        for (headers, body) in [
            (&[("content-type", "text/html")][..], "<html>login</html>"),
            (
                &[("content-type", "application/json")][..],
                "{\"truncated\":",
            ),
            (&[][..], "Created"),
        ] {
            let e = read(200, headers, body).await.unwrap_err();
            assert!(
                matches!(e, Error::InvalidResponse(_)),
                "{headers:?} {body}: {e}"
            );
        }
    }

    #[tokio::test]
    async fn an_error_status_keeps_its_body_and_detail() {
        let body = r#"{"code":"guard.invalid_input","message":"The request body is invalid.","details":"Error in key path \"type\"","data":{"issues":[]}}"#;
        let Err(Error::Status(e)) = read(400, &[("content-type", "application/json")], body).await
        else {
            panic!("an error status");
        };
        let d = e.detail.as_ref().unwrap();
        assert_eq!(d.details.as_deref(), Some("Error in key path \"type\""));
        assert_eq!(
            e.to_string(),
            "the upstream answered 400: guard.invalid_input: The request body is invalid."
        );
        let Err(Error::Status(e)) =
            read(502, &[("content-type", "text/html")], "<h1>bad</h1>").await
        else {
            panic!("an error status");
        };
        assert_eq!(
            (e.body.is_none(), e.raw.as_deref()),
            (true, Some(&b"<h1>bad</h1>"[..]))
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused() {
        let big: &'static str = Box::leak("x".repeat(17 * 1024 * 1024).into_boxed_str());
        let e = read(
            200,
            &[
                ("content-type", "text/plain"),
                ("content-length", "17825792"),
            ],
            big,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
    }
}
