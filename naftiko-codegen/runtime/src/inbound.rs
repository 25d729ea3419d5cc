//! Inbound authentication: what a caller of a REST or MCP adapter must send, checked by a tower layer in front of
//! its routes.
//!
//! An exposure's `authentication` in a spec compiles to a function building a [`client::Auth`](crate::client::Auth)
//! from the bound values — the same description of credentials as towards an upstream, read the other way:
//! [`RequireAuthLayer`] refuses a request that does not carry them. Written as a plain `tower` service: a request
//! that passes costs one comparison per expected header, in constant time.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use subtle::ConstantTimeEq;
use tower::{Layer, Service};

use crate::client::{Auth, Error, KeyPlacement};
use crate::problem::Problem;

const BEARER: &str = "`Authorization: Bearer` token";

/// What a request must carry: each header with its value. An `Authorization` header's scheme (`Bearer`, `Basic`)
/// is compared without regard to case (RFC 7235), its credentials exactly.
#[derive(Clone)]
struct Expected {
    headers: Vec<(HeaderName, Vec<u8>)>,
    /// What `WWW-Authenticate` announces on a refusal.
    challenge: HeaderValue,
    /// What the refusal says is missing or wrong.
    what: String,
}

/// Requires the credentials of an [`Auth`] on every request; [`Auth::None`] lets every request through. Refused
/// requests get `401` with `WWW-Authenticate` and a JSON problem that names what was expected, never a value.
#[derive(Clone)]
pub struct RequireAuthLayer {
    expected: Arc<Option<Expected>>,
}

impl std::fmt::Debug for RequireAuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireAuthLayer")
            .field(
                "requires",
                &self.expected.as_ref().as_ref().map(|e| &e.what),
            )
            .finish()
    }
}

impl RequireAuthLayer {
    /// The layer requiring `auth`: a bearer token, HTTP Basic credentials or API key headers. An API key in the
    /// query (which the adapter's routes would read as one of their own parameters) and client credentials (a grant
    /// for calling an upstream, not a credential a caller sends) are configuration errors.
    pub fn new(auth: &Auth) -> Result<Self, Error> {
        let (challenge, what) = match auth {
            Auth::None => return Ok(Self::none()),
            Auth::Bearer(token) => return Ok(Self::bearer(token)),
            Auth::Basic { .. } => (
                "Basic charset=\"UTF-8\"".to_owned(),
                "`Authorization: Basic` credentials".to_owned(),
            ),
            Auth::ApiKeys(keys) => {
                if let Some(k) = keys.iter().find(|k| k.placement == KeyPlacement::Query) {
                    return Err(Error::Config(format!(
                        "an inbound API key is sent as a header, not as the query parameter `{}`",
                        k.name
                    )));
                }
                let names: Vec<String> = keys.iter().map(|k| format!("`{}`", k.name)).collect();
                (
                    format!(
                        "ApiKey header=\"{}\"",
                        keys.first().map_or("", |k| k.name.as_str())
                    ),
                    format!("API key header {}", names.join(", ")),
                )
            }
            Auth::ClientCredentials(_) => {
                return Err(Error::Config(
                    "client credentials authenticate the gateway to an upstream, not a caller to the gateway".into(),
                ));
            }
        };
        let (headers, _) = crate::client::fixed_parts(auth, &[])?;
        let challenge = HeaderValue::from_str(&challenge).map_err(|_| {
            Error::Config("an API key header name is not a valid header value".into())
        })?;
        Ok(RequireAuthLayer {
            expected: Arc::new(Some(Expected {
                headers: headers
                    .into_iter()
                    .map(|(name, value)| (name, value.as_bytes().to_vec()))
                    .collect(),
                challenge,
                what,
            })),
        })
    }

    /// The layer letting every request through.
    pub fn none() -> Self {
        RequireAuthLayer {
            expected: Arc::new(None),
        }
    }

    /// The layer requiring `Authorization: Bearer <token>`. A token that could not be sent as a header lets no
    /// request through.
    pub fn bearer(token: &crate::client::Secret) -> Self {
        let mut value = b"Bearer ".to_vec();
        value.extend_from_slice(token.expose().as_bytes());
        RequireAuthLayer {
            expected: Arc::new(Some(Expected {
                headers: vec![(header::AUTHORIZATION, value)],
                challenge: HeaderValue::from_static("Bearer"),
                what: BEARER.to_owned(),
            })),
        }
    }

    /// Whether `req` carries the credentials.
    pub fn allows(&self, req: &Request) -> bool {
        self.expected
            .as_ref()
            .as_ref()
            .is_none_or(|e| e.allows(req))
    }
}

impl Expected {
    fn allows(&self, req: &Request) -> bool {
        // Every header is compared, so that the time taken does not tell which one was wrong.
        let mut ok = true;
        for (name, expected) in &self.headers {
            let given = req
                .headers()
                .get(name)
                .map(HeaderValue::as_bytes)
                .unwrap_or_default();
            ok &= if name == header::AUTHORIZATION {
                authorization_matches(given, expected)
            } else {
                bool::from(given.ct_eq(expected))
            };
        }
        ok
    }

    fn refusal(&self) -> Response {
        let mut r = Problem::new(
            StatusCode::UNAUTHORIZED,
            "gateway.unauthorized",
            format!("missing or wrong {}", self.what),
        )
        .into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, self.challenge.clone());
        r
    }
}

/// `Scheme credentials`: the scheme without regard to case, the credentials exactly and in constant time.
fn authorization_matches(given: &[u8], expected: &[u8]) -> bool {
    fn split(v: &[u8]) -> (&[u8], &[u8]) {
        match v.iter().position(|b| *b == b' ') {
            Some(at) => (&v[..at], &v[at + 1..]),
            None => (v, &[]),
        }
    }
    let (scheme, credentials) = split(given);
    let (expected_scheme, expected_credentials) = split(expected);
    let same_scheme = scheme.eq_ignore_ascii_case(expected_scheme);
    bool::from(credentials.ct_eq(expected_credentials)) & same_scheme
}

impl<S> Layer<S> for RequireAuthLayer {
    type Service = RequireAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuth {
            inner,
            expected: Arc::clone(&self.expected),
        }
    }
}

/// The service of [`RequireAuthLayer`].
#[derive(Clone)]
pub struct RequireAuth<S> {
    inner: S,
    expected: Arc<Option<Expected>>,
}

impl<S> Service<Request> for RequireAuth<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match self.expected.as_ref() {
            Some(e) if !e.allows(&req) => Either::Right(ready(Ok(e.refusal()))),
            _ => Either::Left(self.inner.call(req)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::client::{ApiKey, Secret};

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder().uri("/x");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn a_bearer_token_passes_with_any_case_of_the_scheme_and_only_exactly() {
        let layer = RequireAuthLayer::new(&Auth::Bearer(Secret::new("t0k"))).unwrap();
        assert!(layer.allows(&request(&[("authorization", "Bearer t0k")])));
        // A token no header can carry lets nothing through.
        let unsendable = RequireAuthLayer::bearer(&Secret::new("t\n0k"));
        assert!(!unsendable.allows(&request(&[("authorization", "Bearer t")])));
        assert!(layer.allows(&request(&[("authorization", "bearer t0k")])));
        for bad in [
            "Bearer t0",
            "Bearer t0kk",
            "Basic t0k",
            "t0k",
            "Bearer  t0k",
            "",
        ] {
            assert!(!layer.allows(&request(&[("authorization", bad)])), "{bad}");
        }
        assert!(!layer.allows(&request(&[])));
        let refusal = layer.expected.as_ref().as_ref().unwrap().refusal();
        assert_eq!(refusal.status(), 401);
        assert_eq!(refusal.headers()["www-authenticate"], "Bearer");
    }

    #[test]
    fn basic_credentials_and_api_key_headers_are_checked() {
        let basic = RequireAuthLayer::new(&Auth::Basic {
            username: Secret::new("Aladdin"),
            password: Secret::new("open sesame"),
        })
        .unwrap();
        assert!(basic.allows(&request(&[(
            "authorization",
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        )])));
        assert!(!basic.allows(&request(&[("authorization", "Basic QWxhZGRpbjpvcGVu")])));
        let keys = RequireAuthLayer::new(&Auth::ApiKeys(vec![
            ApiKey::header("X-Api-Key", Secret::new("k1")),
            ApiKey::header("X-App-Key", Secret::new("a2")),
        ]))
        .unwrap();
        assert!(keys.allows(&request(&[("x-api-key", "k1"), ("X-App-Key", "a2")])));
        assert!(!keys.allows(&request(&[("x-api-key", "k1")])));
        assert!(!keys.allows(&request(&[("x-api-key", "k1"), ("X-App-Key", "a3")])));
        assert!(
            RequireAuthLayer::new(&Auth::None)
                .unwrap()
                .allows(&request(&[]))
        );
        // No value in `Debug`.
        assert!(!format!("{keys:?}").contains("k1"));
    }

    #[test]
    fn query_keys_and_client_credentials_are_refused_as_configuration() {
        let e = RequireAuthLayer::new(&Auth::ApiKeys(vec![ApiKey::query(
            "api_key",
            Secret::new("k"),
        )]))
        .unwrap_err();
        assert!(e.to_string().contains("`api_key`"), "{e}");
    }
}
