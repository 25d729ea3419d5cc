//! An adapter served over HTTP as an OAuth 2.1 protected resource (RFC 6750, RFC 9068, RFC 9728; the MCP
//! authorization specification): callers bring JWT access tokens issued by an authorization server for this resource,
//! checked here against the issuer's published keys. A caller's token is only read, never sent on.
//!
//! - **Keys**: the issuer's OIDC discovery document (`<issuer>/.well-known/openid-configuration`, whose `issuer` must
//!   be the configured one) names its JWKS. The keys are fetched on first need and cached; a token signed by a key not
//!   in the cache (the issuer rotated its keys) fetches them again, at most once every [`UNKNOWN_KEY_REFETCH`]; a
//!   cache older than [`KEYS_MAX_AGE`] is renewed on the next request (and kept should the issuer not answer).
//! - **Tokens**: signed with an asymmetric algorithm of the key's kind (ES256/ES384, RS256/384/512, PS256/384/512,
//!   EdDSA; never `none` or a shared secret), by a key the issuer publishes; `iss`, `aud` (the resource), `exp` and
//!   `nbf` checked with a small clock skew. A token that passed is remembered until it expires (at most
//!   [`VERIFIED_CAPACITY`] of them, forgotten whenever the keys are fetched again): a caller reuses its token for
//!   every call, and checking an ES384 signature costs several times what the rest of a request does.
//! - **Scopes** (`scope`, space-separated, or an `scp` array): a request needs the read scope or the write scope, as
//!   an [`AccessRule`] decides: a REST route by its method, an MCP request by the tools it calls.
//! - **Answers**: no token or a bad one is `401`, a token without the needed scope `403`, each with a JSON problem
//!   and `WWW-Authenticate: Bearer` naming the error, the scope, and the resource's metadata document. An issuer
//!   whose keys cannot be fetched makes `503`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::ready;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tower::{Layer, Service};

use crate::client::Error;
use crate::problem::Problem;

/// The least time between two fetches of the keys caused by tokens signed with an unknown key: tokens naming
/// made-up keys cannot make the gateway hammer the issuer.
pub const UNKNOWN_KEY_REFETCH: Duration = Duration::from_secs(10);
/// How long fetched keys are used before they are fetched again (a key the issuer withdrew stops being accepted).
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// The least time between two attempts to fetch keys while none could be fetched.
const RETRY_UNREACHABLE: Duration = Duration::from_secs(1);
/// The largest discovery or JWKS document read.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// How many verified tokens are remembered.
pub const VERIFIED_CAPACITY: usize = 4096;
/// Where RFC 9728 puts a resource's metadata document.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// How a resource server is set up.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// The authorization server's issuer identifier (`https://<tenant>.logto.app/oidc`).
    pub issuer: String,
    /// This resource's identifier, which tokens must have as their audience (`aud`).
    pub audience: String,
    /// The scope a request that reads needs.
    pub read_scope: String,
    /// The scope any other request needs.
    pub write_scope: String,
    /// How far `exp` and `nbf` may be off the gateway's clock.
    pub clock_skew: Duration,
    /// How long one fetch of the discovery document or the keys may take.
    pub timeout: Duration,
}

/// What a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// The caller a valid token names, put (as `Arc<Caller>`) in the request's extensions for the handlers after the
/// layer, and in the response's for the layers around it (a request log naming the client, say).
#[derive(Clone, Debug)]
pub struct Caller {
    /// `sub`: the user, or for a client-credentials token the client.
    pub subject: Option<String>,
    /// `client_id`, when the issuer writes it.
    pub client_id: Option<String>,
    scopes: Vec<String>,
}

impl Caller {
    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` token.
    Missing,
    /// The token is not one this resource accepts; the reason says why, never what the token holds.
    Invalid(&'static str),
    /// The token lacks the scope the request needs.
    Insufficient(String),
    /// The issuer's keys could not be fetched: no token can be checked.
    Unavailable(String),
}

/// The resource server: configuration, the issuer's keys, the metadata document. Shared by every worker and adapter
/// (behind an `Arc`): the keys are fetched once for all.
pub struct ResourceServer {
    config: OAuthConfig,
    http: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    /// Tokens that passed, by their text, with the caller they name and until when (Unix seconds: `exp` and the
    /// clock skew).
    verified: std::sync::Mutex<Remembered>,
    /// Held while keys are fetched, so that concurrent requests wait for one fetch.
    fetching: tokio::sync::Mutex<Fetches>,
    metadata: Bytes,
    /// The metadata document's URL, when the audience is an `http(s)` URL (RFC 9728 §3.1); otherwise it is derived
    /// from each request's `Host`.
    metadata_url: Option<String>,
    /// The path of the metadata document: [`METADATA_PATH`] followed by the audience URL's path.
    metadata_path: String,
}

impl std::fmt::Debug for ResourceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceServer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Verified tokens: the caller each names, and until when it passes (Unix seconds).
type Remembered = HashMap<Box<str>, (Arc<Caller>, u64)>;

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Key>,
    fetched_at: Option<Instant>,
}

struct Key {
    decoding: DecodingKey,
    /// The key's own `alg`, when it names one: a token must then use that algorithm.
    alg: Option<Algorithm>,
}

#[derive(Default)]
struct Fetches {
    last_attempt: Option<Instant>,
    last_for_unknown_key: Option<Instant>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Claims {
    exp: u64,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<Vec<String>>,
}

/// The algorithms a token may be signed with: asymmetric only.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::EdDSA,
];

impl ResourceServer {
    /// A resource server for `config`. The issuer must be an `https` URL (`http` only on a loopback address); the
    /// scopes must be distinct words.
    pub fn new(config: OAuthConfig) -> Result<Self, Error> {
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(Error::Config(
                "no signature verification backend: jsonwebtoken needs exactly one of its `aws_lc_rs` and `rust_crypto` features".into(),
            ));
        }
        let issuer = reqwest::Url::parse(&config.issuer).map_err(|e| {
            Error::Config(format!("the issuer `{}` is not a URL: {e}", config.issuer))
        })?;
        let loopback = issuer.host_str().is_some_and(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        match issuer.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(Error::Config(format!(
                    "the issuer `{}` must be an https URL (http only on a loopback address): its keys decide who may call",
                    config.issuer
                )));
            }
        }
        if issuer.query().is_some() || issuer.fragment().is_some() {
            return Err(Error::Config(format!(
                "the issuer `{}` must not have a query or fragment",
                config.issuer
            )));
        }
        for (what, scope) in [("read", &config.read_scope), ("write", &config.write_scope)] {
            if scope.is_empty()
                || !scope
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
            {
                return Err(Error::Config(format!(
                    "the {what} scope `{scope}` must be one word of printable characters, without `\"` or `\\`"
                )));
            }
        }
        if config.read_scope == config.write_scope {
            return Err(Error::Config(format!(
                "the read and write scopes are both `{}`",
                config.read_scope
            )));
        }
        if config.audience.trim().is_empty() {
            return Err(Error::Config(
                "the audience (resource indicator) is empty".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            // Workers run runtimes of their own: a pooled connection would belong to the runtime that opened it.
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the issuer's HTTP client: {e}")))?;
        let (metadata_url, metadata_path) = metadata_location(&config.audience);
        let metadata = serde_json::json!({
            "resource": config.audience,
            "authorization_servers": [config.issuer],
            "scopes_supported": [config.read_scope, config.write_scope],
            "bearer_methods_supported": ["header"],
        });
        Ok(ResourceServer {
            metadata: Bytes::from(metadata.to_string()),
            metadata_url,
            metadata_path,
            config,
            http,
            keys: RwLock::new(Arc::new(KeySet::default())),
            verified: std::sync::Mutex::new(HashMap::new()),
            fetching: tokio::sync::Mutex::new(Fetches::default()),
        })
    }

    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    /// The RFC 9728 metadata document (JSON): the resource, its authorization server, its scopes.
    pub fn metadata_document(&self) -> Response {
        let mut r = Response::new(Body::from(self.metadata.clone()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    }

    /// The paths the metadata document is served at: [`METADATA_PATH`], and, when the audience URL has a path
    /// (`https://gw.example.com/mcp`), [`METADATA_PATH`] followed by it, where RFC 9728 clients look first.
    pub fn metadata_paths(&self) -> Vec<String> {
        let mut paths = vec![METADATA_PATH.to_owned()];
        if self.metadata_path != METADATA_PATH {
            paths.push(self.metadata_path.clone());
        }
        paths
    }

    /// The scope `access` needs.
    pub fn scope(&self, access: Access) -> &str {
        match access {
            Access::Read => &self.config.read_scope,
            Access::Write => &self.config.write_scope,
        }
    }

    /// Fetches the discovery document and the keys now; how many keys were read.
    pub async fn refresh(&self) -> Result<usize, String> {
        let mut fetches = self.fetching.lock().await;
        fetches.last_attempt = Some(Instant::now());
        self.fetch_keys().await
    }

    /// The caller `token` names, when it is valid for this resource.
    pub async fn verify(&self, token: &str) -> Result<Arc<Caller>, Refusal> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(caller) = self.remembered(token, now) {
            return Ok(caller);
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| Refusal::Invalid("the token is not a signed JWT"))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Refusal::Invalid(
                "the token is not signed with an asymmetric algorithm",
            ));
        }
        let kid = header.kid.unwrap_or_default();
        self.ensure_key(&kid).await?;
        let keys = self.current();
        let key = match keys.keys.get(&kid) {
            Some(k) => k,
            // A token without `kid` is checked against the only key, if there is one.
            None if kid.is_empty() && keys.keys.len() == 1 => keys
                .keys
                .values()
                .next()
                .ok_or(Refusal::Invalid("no signing key"))?,
            None => {
                return Err(Refusal::Invalid(
                    "the token is not signed by a key the issuer publishes",
                ));
            }
        };
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(Refusal::Invalid(
                "the token's algorithm is not its key's algorithm",
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.config.clock_skew.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                Refusal::Invalid(match e.kind() {
                    K::ExpiredSignature => "the token has expired",
                    K::ImmatureSignature => "the token is not valid yet",
                    K::InvalidAudience => "the token is not for this resource (its audience)",
                    K::InvalidIssuer => "the token is not from the configured issuer",
                    K::InvalidSignature => "the token's signature is wrong",
                    K::MissingRequiredClaim(_) => "the token lacks `exp`, `iss` or `aud`",
                    K::InvalidAlgorithm => "the token's algorithm does not fit its key",
                    _ => "the token is malformed",
                })
            })?;
        let claims = data.claims;
        let mut scopes: Vec<String> = claims
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        scopes.extend(claims.scp.unwrap_or_default());
        let caller = Arc::new(Caller {
            subject: claims.sub,
            client_id: claims.client_id,
            scopes,
        });
        let until = claims.exp.saturating_add(self.config.clock_skew.as_secs());
        self.remember(token, &caller, until, now);
        Ok(caller)
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The caller of a token that passed and has not expired since.
    fn remembered(&self, token: &str, now: u64) -> Option<Arc<Caller>> {
        let mut verified = self.verified();
        match verified.get(token) {
            Some((caller, until)) if now <= *until => Some(Arc::clone(caller)),
            Some(_) => {
                verified.remove(token);
                None
            }
            None => None,
        }
    }

    fn remember(&self, token: &str, caller: &Arc<Caller>, until: u64, now: u64) {
        let mut verified = self.verified();
        if verified.len() >= VERIFIED_CAPACITY {
            verified.retain(|_, (_, until)| now <= *until);
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
        }
        verified.insert(token.into(), (Arc::clone(caller), until));
    }

    fn current(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(k) => Arc::clone(&k),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Makes sure the key `kid` is known if the issuer has it: fetches the keys when there are none yet, when they
    /// are old, or when `kid` is unknown (rate-limited).
    async fn ensure_key(&self, kid: &str) -> Result<(), Refusal> {
        let needs = |keys: &KeySet| match keys.fetched_at {
            None => Some(Need::First),
            Some(_) if !kid.is_empty() && !keys.keys.contains_key(kid) => Some(Need::UnknownKey),
            Some(at) if at.elapsed() >= KEYS_MAX_AGE => Some(Need::Renewal),
            Some(_) => None,
        };
        if needs(&self.current()).is_none() {
            return Ok(());
        }
        let mut fetches = self.fetching.lock().await;
        // Another request may have fetched them meanwhile.
        let Some(need) = needs(&self.current()) else {
            return Ok(());
        };
        let now = Instant::now();
        let allowed = match need {
            Need::First => fetches
                .last_attempt
                .is_none_or(|t| now.duration_since(t) >= RETRY_UNREACHABLE),
            Need::UnknownKey => fetches
                .last_for_unknown_key
                .is_none_or(|t| now.duration_since(t) >= UNKNOWN_KEY_REFETCH),
            Need::Renewal => fetches
                .last_attempt
                .is_none_or(|t| now.duration_since(t) >= UNKNOWN_KEY_REFETCH),
        };
        if !allowed {
            return match need {
                Need::First => Err(Refusal::Unavailable(
                    "the issuer's signing keys could not be fetched; retrying shortly".into(),
                )),
                Need::UnknownKey | Need::Renewal => Ok(()),
            };
        }
        fetches.last_attempt = Some(now);
        if need == Need::UnknownKey {
            fetches.last_for_unknown_key = Some(now);
        }
        match self.fetch_keys().await {
            Ok(_) => Ok(()),
            Err(e) if need == Need::First => Err(Refusal::Unavailable(e)),
            Err(e) => {
                // The keys held are kept: the issuer being briefly away does not lock every caller out.
                tracing::warn!(target: "naftiko_runtime::oauth", "cannot renew the issuer's signing keys: {e}");
                Ok(())
            }
        }
    }

    /// Discovery, then the JWKS; replaces the cached keys (`gateway_oauth_key_fetches_total{result}`).
    async fn fetch_keys(&self) -> Result<usize, String> {
        let fetched = self.fetch_key_set().await;
        #[cfg(feature = "metrics")]
        oauth_metrics::key_fetch(fetched.is_ok());
        fetched
    }

    /// Discovery, then the JWKS; replaces the cached keys. Keys of a kind that cannot verify tokens are skipped.
    async fn fetch_key_set(&self) -> Result<usize, String> {
        let issuer = self.config.issuer.trim_end_matches('/');
        let discovery_url = format!("{issuer}/.well-known/openid-configuration");
        let discovery: Discovery = serde_json::from_slice(&self.get(&discovery_url).await?)
            .map_err(|e| format!("the discovery document {discovery_url} is not one: {e}"))?;
        if discovery.issuer != self.config.issuer {
            return Err(format!(
                "the discovery document {discovery_url} names the issuer `{}`, not `{}`",
                discovery.issuer, self.config.issuer
            ));
        }
        let set: JwkSet = serde_json::from_slice(&self.get(&discovery.jwks_uri).await?)
            .map_err(|e| format!("the key set {} is not a JWKS: {e}", discovery.jwks_uri))?;
        let keys: HashMap<String, Key> = set
            .keys
            .iter()
            .filter(|jwk| is_signing_key(jwk))
            .filter_map(|jwk| {
                let decoding = DecodingKey::from_jwk(jwk).ok()?;
                let alg = jwk
                    .common
                    .key_algorithm
                    .and_then(|a| a.to_string().parse::<Algorithm>().ok());
                Some((
                    jwk.common.key_id.clone().unwrap_or_default(),
                    Key { decoding, alg },
                ))
            })
            .collect();
        if keys.is_empty() {
            return Err(format!(
                "the key set {} has no key that verifies signatures",
                discovery.jwks_uri
            ));
        }
        let n = keys.len();
        let fresh = Arc::new(KeySet {
            keys,
            fetched_at: Some(Instant::now()),
        });
        match self.keys.write() {
            Ok(mut k) => *k = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        // A token is accepted again only if a key fetched now verifies it (a withdrawn key's tokens stop passing).
        self.verified().clear();
        tracing::info!(target: "naftiko_runtime::oauth", keys = n, jwks = %discovery.jwks_uri, "fetched the issuer's signing keys");
        Ok(n)
    }

    async fn get(&self, url: &str) -> Result<Bytes, String> {
        let resp = self
            .http
            .get(url)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("cannot fetch {url}: {}", without_url(&e)))?;
        if !resp.status().is_success() {
            return Err(format!("{url} answered {}", resp.status()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("cannot read {url}: {}", without_url(&e)))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    /// The `WWW-Authenticate` value of a refusal.
    fn challenge(&self, refusal: &Refusal, headers: &HeaderMap) -> HeaderValue {
        let metadata = match &self.metadata_url {
            Some(url) => url.clone(),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| h.parse::<axum::http::uri::Authority>().is_ok())
                    .unwrap_or("localhost");
                let https = headers
                    .get("x-forwarded-proto")
                    .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
                format!(
                    "{}://{host}{}",
                    if https { "https" } else { "http" },
                    self.metadata_path
                )
            }
        };
        let (read, write) = (&self.config.read_scope, &self.config.write_scope);
        let value = match refusal {
            Refusal::Missing | Refusal::Unavailable(_) => {
                format!(r#"Bearer resource_metadata="{metadata}", scope="{read} {write}""#)
            }
            Refusal::Invalid(why) => format!(
                r#"Bearer error="invalid_token", error_description="{why}", resource_metadata="{metadata}", scope="{read} {write}""#
            ),
            Refusal::Insufficient(scope) => format!(
                r#"Bearer error="insufficient_scope", error_description="the token lacks the scope `{scope}`", resource_metadata="{metadata}", scope="{scope}""#
            ),
        };
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }

    /// The answer to a refused request (`gateway_oauth_refusals_total{reason}`).
    pub fn refuse(&self, refusal: &Refusal, headers: &HeaderMap) -> Response {
        #[cfg(feature = "metrics")]
        oauth_metrics::refusal(refusal);
        let problem = match refusal {
            Refusal::Missing => Problem::new(
                StatusCode::UNAUTHORIZED,
                "gateway.unauthorized",
                "missing `Authorization: Bearer` access token",
            ),
            Refusal::Invalid(why) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "gateway.invalid_token",
                format!("the access token is refused: {why}"),
            ),
            Refusal::Insufficient(scope) => Problem::new(
                StatusCode::FORBIDDEN,
                "gateway.insufficient_scope",
                format!("the access token lacks the scope `{scope}` this request needs"),
            ),
            Refusal::Unavailable(why) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "gateway.oauth_unavailable",
                format!("access tokens cannot be checked: {why}"),
            ),
        };
        let mut r = problem.into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, self.challenge(refusal, headers));
        if matches!(refusal, Refusal::Unavailable(_)) {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }

    /// The layer requiring a valid token with the scope `rule` says each request needs.
    pub fn layer(self: &Arc<Self>, rule: AccessRule) -> OAuthLayer {
        OAuthLayer {
            server: Arc::clone(self),
            rule: Arc::new(rule),
        }
    }
}

/// OAuth metrics through the `metrics` facade (no-ops until the program installs a recorder): refusals by reason,
/// and fetches of the issuer's keys by result. A request that passes records nothing here.
#[cfg(feature = "metrics")]
mod oauth_metrics {
    use std::sync::OnceLock;

    use metrics::Counter;

    use super::Refusal;

    const REASONS: [&str; 4] = [
        "missing_token",
        "invalid_token",
        "insufficient_scope",
        "unavailable",
    ];
    static REFUSALS: [OnceLock<Counter>; 4] = [const { OnceLock::new() }; 4];
    static FETCHES: [OnceLock<Counter>; 2] = [const { OnceLock::new() }; 2];

    pub(super) fn refusal(refusal: &Refusal) {
        let i = match refusal {
            Refusal::Missing => 0,
            Refusal::Invalid(_) => 1,
            Refusal::Insufficient(_) => 2,
            Refusal::Unavailable(_) => 3,
        };
        REFUSALS[i]
            .get_or_init(
                || metrics::counter!("gateway_oauth_refusals_total", "reason" => REASONS[i]),
            )
            .increment(1);
    }

    pub(super) fn key_fetch(ok: bool) {
        let (i, result) = if ok { (0, "ok") } else { (1, "error") };
        FETCHES[i]
            .get_or_init(
                || metrics::counter!("gateway_oauth_key_fetches_total", "result" => result),
            )
            .increment(1);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    First,
    UnknownKey,
    Renewal,
}

/// A JWK that may verify signatures: no `use`, or `use: sig`; not a shared secret.
fn is_signing_key(jwk: &Jwk) -> bool {
    use jsonwebtoken::jwk::{AlgorithmParameters, PublicKeyUse};
    let usable = matches!(
        jwk.common.public_key_use,
        None | Some(PublicKeyUse::Signature)
    );
    usable && !matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_))
}

/// A reqwest error without the URL (the caller names it).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(at) = e.find(" for url (") {
        e.truncate(at);
    }
    e
}

/// The metadata document's URL and path for a resource identifier (RFC 9728 §3.1): the well-known path inserted
/// between the URL's authority and its path. An identifier that is not an `http(s)` URL has no URL of its own.
fn metadata_location(audience: &str) -> (Option<String>, String) {
    match reqwest::Url::parse(audience) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            let path = url.path().trim_end_matches('/');
            let well_known = format!("{METADATA_PATH}{path}");
            let authority = match url.port() {
                Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_owned(),
            };
            (
                Some(format!("{}://{authority}{well_known}", url.scheme())),
                well_known,
            )
        }
        _ => (None, METADATA_PATH.to_owned()),
    }
}

/// How a request's [`Access`] is decided.
#[derive(Debug, Clone)]
pub enum AccessRule {
    /// A REST route: `GET`, `HEAD` and `OPTIONS` read; any other method writes.
    ByMethod,
    /// An MCP endpoint: a `tools/call` of a tool whose hints say read-only reads; a call of any other tool (or of an
    /// unknown one) writes; every other message (`initialize`, `tools/list`, …) reads. A batch needs what its
    /// messages need. A body that cannot be read as JSON-RPC needs the write scope: what it does is not known.
    /// Bodies over `max_body_bytes` are refused (`413`).
    ByTool {
        read_only: Arc<HashMap<&'static str, bool>>,
        max_body_bytes: usize,
    },
}

impl AccessRule {
    /// [`AccessRule::ByTool`] over a tool table.
    #[cfg(feature = "mcp")]
    pub fn by_tool(tools: &[crate::mcp::ToolDef], max_body_bytes: usize) -> Self {
        AccessRule::ByTool {
            read_only: Arc::new(tools.iter().map(|t| (t.name, t.read_only)).collect()),
            max_body_bytes,
        }
    }

    /// What `req` needs, when that is known without reading its body: always by method; by tool, for a request
    /// that is not a `POST`, or for a caller who holds both scopes (whatever the body calls, it may).
    fn known_access(
        &self,
        req: &Request,
        caller: &Caller,
        server: &ResourceServer,
    ) -> Option<Access> {
        match self {
            AccessRule::ByMethod => Some(access_by_method(req.method())),
            AccessRule::ByTool { .. } if req.method() != Method::POST => Some(Access::Read),
            AccessRule::ByTool { .. } => (caller.has_scope(server.scope(Access::Read))
                && caller.has_scope(server.scope(Access::Write)))
            .then_some(Access::Write),
        }
    }

    /// What `req` needs; a request whose body was read comes back with the same bytes.
    async fn access(&self, req: Request) -> Result<(Request, Access), Response> {
        match self {
            AccessRule::ByMethod => {
                let access = access_by_method(req.method());
                Ok((req, access))
            }
            AccessRule::ByTool {
                read_only,
                max_body_bytes,
            } => {
                if req.method() != Method::POST {
                    return Ok((req, Access::Read));
                }
                let (parts, body) = req.into_parts();
                let bytes = axum::body::to_bytes(body, *max_body_bytes).await.map_err(|_| {
                    Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "gateway.body_too_large",
                        format!("the request body is larger than {max_body_bytes} bytes, or broke off"),
                    )
                    .into_response()
                })?;
                let access = mcp_access(&bytes, read_only);
                Ok((Request::from_parts(parts, Body::from(bytes)), access))
            }
        }
    }
}

/// `GET`, `HEAD` and `OPTIONS` read; any other method writes.
fn access_by_method(method: &Method) -> Access {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Access::Read
    } else {
        Access::Write
    }
}

/// What a JSON-RPC body needs (see [`AccessRule::ByTool`]).
fn mcp_access(body: &[u8], read_only: &HashMap<&'static str, bool>) -> Access {
    #[derive(Deserialize)]
    struct Message {
        #[serde(default)]
        method: Option<String>,
        #[serde(default)]
        params: Option<Params>,
    }
    #[derive(Deserialize)]
    struct Params {
        #[serde(default)]
        name: Option<String>,
    }
    let needs = |m: &Message| match (m.method.as_deref(), &m.params) {
        (Some("tools/call"), Some(Params { name: Some(name) })) => {
            if read_only.get(name.as_str()).copied().unwrap_or(false) {
                Access::Read
            } else {
                Access::Write
            }
        }
        (Some("tools/call"), _) => Access::Write,
        _ => Access::Read,
    };
    // A batch is an array; anything else is read as one message.
    let batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let needed = if batch {
        serde_json::from_slice::<Vec<Message>>(body).map(|ms| {
            if ms.iter().any(|m| needs(m) == Access::Write) {
                Access::Write
            } else {
                Access::Read
            }
        })
    } else {
        serde_json::from_slice::<Message>(body).map(|m| needs(&m))
    };
    needed.unwrap_or(Access::Write)
}

/// The bearer token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The layer of [`ResourceServer::layer`].
#[derive(Clone, Debug)]
pub struct OAuthLayer {
    server: Arc<ResourceServer>,
    rule: Arc<AccessRule>,
}

impl<S> Layer<S> for OAuthLayer {
    type Service = RequireToken<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireToken {
            inner,
            server: Arc::clone(&self.server),
            rule: Arc::clone(&self.rule),
        }
    }
}

/// The service of [`OAuthLayer`].
#[derive(Clone, Debug)]
pub struct RequireToken<S> {
    inner: S,
    server: Arc<ResourceServer>,
    rule: Arc<AccessRule>,
}

impl<S> Service<Request> for RequireToken<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<WithCaller<S::Future>, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // A token checked before decides at once, when the request's access is known without its body: the request
        // goes on, or is refused, without a boxed future.
        let remembered = bearer(req.headers()).and_then(|t| {
            self.server
                .remembered(t, jsonwebtoken::get_current_timestamp())
        });
        if let Some(caller) = remembered
            && let Some(access) = self.rule.known_access(&req, &caller, &self.server)
        {
            let scope = self.server.scope(access);
            if !caller.has_scope(scope) {
                let refusal = Refusal::Insufficient(scope.to_owned());
                let mut refused = self.server.refuse(&refusal, req.headers());
                refused.extensions_mut().insert(caller);
                return Either::Right(Box::pin(ready(Ok(refused))));
            }
            req.extensions_mut().insert(Arc::clone(&caller));
            return Either::Left(WithCaller {
                inner: self.inner.call(req),
                caller: Some(caller),
            });
        }
        // The service polled ready is the one called; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let server = Arc::clone(&self.server);
        let rule = Arc::clone(&self.rule);
        Either::Right(Box::pin(async move {
            let verified = match bearer(req.headers()) {
                None => Err(Refusal::Missing),
                Some(token) => server.verify(token).await,
            };
            let caller = match verified {
                Ok(c) => c,
                Err(refusal) => {
                    tracing::debug!(target: "naftiko_runtime::oauth", ?refusal, "request refused");
                    return Ok(server.refuse(&refusal, req.headers()));
                }
            };
            let (mut req, access) = match rule.known_access(&req, &caller, &server) {
                Some(access) => (req, access),
                None => match rule.access(req).await {
                    Ok(r) => r,
                    Err(resp) => return Ok(resp),
                },
            };
            let scope = server.scope(access);
            if !caller.has_scope(scope) {
                let refusal = Refusal::Insufficient(scope.to_owned());
                let mut refused = server.refuse(&refusal, req.headers());
                refused.extensions_mut().insert(caller);
                return Ok(refused);
            }
            req.extensions_mut().insert(Arc::clone(&caller));
            let mut resp = inner.call(req).await?;
            resp.extensions_mut().insert(caller);
            Ok(resp)
        }))
    }
}

pin_project_lite::pin_project! {
    /// The inner service's answer, with the caller put in its extensions.
    pub struct WithCaller<F> {
        #[pin]
        inner: F,
        caller: Option<Arc<Caller>>,
    }
}

impl<F> std::future::Future for WithCaller<F>
where
    F: std::future::Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Poll::Ready(Ok(mut resp)) = this.inner.poll(cx) else {
            return Poll::Pending;
        };
        if let Some(caller) = this.caller.take() {
            resp.extensions_mut().insert(caller);
        }
        Poll::Ready(Ok(resp))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn config() -> OAuthConfig {
        OAuthConfig {
            issuer: "https://tenant.logto.app/oidc".into(),
            audience: "https://gw.example.com/mcp".into(),
            read_scope: "read".into(),
            write_scope: "write".into(),
            clock_skew: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn the_metadata_document_sits_where_rfc_9728_puts_it() {
        let s = ResourceServer::new(config()).unwrap();
        assert_eq!(
            s.metadata_url.as_deref(),
            Some("https://gw.example.com/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            s.metadata_paths(),
            [
                "/.well-known/oauth-protected-resource",
                "/.well-known/oauth-protected-resource/mcp"
            ]
        );
        let doc: serde_json::Value = serde_json::from_slice(&s.metadata).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "resource": "https://gw.example.com/mcp",
                "authorization_servers": ["https://tenant.logto.app/oidc"],
                "scopes_supported": ["read", "write"],
                "bearer_methods_supported": ["header"],
            })
        );
        let mut c = config();
        c.audience = "urn:logto:gateway".into();
        let s = ResourceServer::new(c).unwrap();
        assert_eq!(s.metadata_url, None);
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("gw.internal:9090"));
        let challenge = s.challenge(&Refusal::Missing, &headers);
        assert_eq!(
            challenge,
            r#"Bearer resource_metadata="http://gw.internal:9090/.well-known/oauth-protected-resource", scope="read write""#
        );
    }

    #[test]
    fn a_plain_http_issuer_is_refused_unless_on_loopback_and_scopes_must_differ() {
        let mut c = config();
        c.issuer = "http://tenant.logto.app/oidc".into();
        assert!(
            ResourceServer::new(c.clone())
                .unwrap_err()
                .to_string()
                .contains("https")
        );
        c.issuer = "http://127.0.0.1:3001/oidc".into();
        assert!(ResourceServer::new(c.clone()).is_ok());
        c.write_scope = "read".into();
        assert!(
            ResourceServer::new(c.clone())
                .unwrap_err()
                .to_string()
                .contains("both")
        );
        c.write_scope = "a b".into();
        assert!(
            ResourceServer::new(c)
                .unwrap_err()
                .to_string()
                .contains("one word")
        );
    }

    #[test]
    fn mcp_messages_need_the_scope_of_what_they_call() {
        let tools: HashMap<&'static str, bool> = [("list", true), ("delete", false)].into();
        let need = |body: &str| mcp_access(body.as_bytes(), &tools);
        let call = |name: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"{name}","arguments":{{}}}}}}"#
            )
        };
        assert_eq!(need(&call("list")), Access::Read);
        assert_eq!(need(&call("delete")), Access::Write);
        assert_eq!(need(&call("nope")), Access::Write);
        assert_eq!(
            need(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#),
            Access::Read
        );
        assert_eq!(
            need(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#),
            Access::Read
        );
        assert_eq!(
            need(&format!("[{},{}]", call("list"), call("delete"))),
            Access::Write
        );
        assert_eq!(need(&format!("[{}]", call("list"))), Access::Read);
        // What cannot be read is not known to be a read; a repeated member is not read two ways.
        assert_eq!(need("{"), Access::Write);
        assert_eq!(
            need(
                r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list","name":"delete"}}"#
            ),
            Access::Write
        );
        assert_eq!(
            need(r#"{"method":"tools/call","params":{}}"#),
            Access::Write
        );
    }

    #[test]
    fn bearer_tokens_are_read_from_the_authorization_header() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[tokio::test]
    async fn tokens_that_are_not_signed_jwts_are_refused_before_any_key_is_fetched() {
        let s = ResourceServer::new(config()).unwrap();
        // `alg: none` (header `{"alg":"none"}`), a shared-secret algorithm, garbage.
        for token in [
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
            "garbage",
        ] {
            assert!(
                matches!(s.verify(token).await, Err(Refusal::Invalid(_))),
                "{token}"
            );
        }
        assert!(s.current().fetched_at.is_none());
    }
}
