//! The tower layers around every route: inbound bearer authentication and the request log line.
//!
//! Written as plain `tower` services rather than `axum::middleware::from_fn`, which clones and boxes the inner
//! service and boxes a future on every request: here a request that passes costs a header comparison, and a
//! request that is not logged costs one check of the log filter.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use subtle::ConstantTimeEq;
use tower::{Layer, Service};

use naftiko_runtime::client::Secret;
use naftiko_runtime::rest::Problem;

/// Requires `Authorization: Bearer <token>` when a token is configured; compares in constant time. Refused requests
/// get `401` with `WWW-Authenticate: Bearer` and a JSON problem.
#[derive(Clone, Debug)]
pub struct RequireBearerLayer {
    token: Arc<Option<Secret>>,
}

impl RequireBearerLayer {
    pub fn new(token: Option<Secret>) -> Self {
        RequireBearerLayer {
            token: Arc::new(token),
        }
    }
}

impl<S> Layer<S> for RequireBearerLayer {
    type Service = RequireBearer<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireBearer {
            inner,
            token: Arc::clone(&self.token),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RequireBearer<S> {
    inner: S,
    token: Arc<Option<Secret>>,
}

impl<S> Service<Request> for RequireBearer<S>
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
        if authorized(&req, &self.token) {
            Either::Left(self.inner.call(req))
        } else {
            Either::Right(ready(Ok(unauthorized())))
        }
    }
}

/// Whether `req` passes [`RequireBearer`] with `token`.
pub(crate) fn authorized(req: &Request, token: &Option<Secret>) -> bool {
    token
        .as_ref()
        .is_none_or(|expected| bearer_matches(req, expected))
}

/// The scheme name is case-insensitive (RFC 7235); the token is compared exactly, in constant time.
fn bearer_matches(req: &Request, expected: &Secret) -> bool {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .filter(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer "))
        .map(|v| &v[7..])
        .unwrap_or_default();
    bool::from(given.ct_eq(expected.expose().as_bytes()))
}

fn unauthorized() -> Response {
    let mut r = Problem::new(
        StatusCode::UNAUTHORIZED,
        "gateway.unauthorized",
        "missing or wrong `Authorization: Bearer` token",
    )
    .into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// Whether request log lines are on.
pub(crate) fn logging_requests() -> bool {
    tracing::enabled!(target: "logto_gateway::request", tracing::Level::INFO)
}

/// One log line per request (target `logto_gateway::request`, level INFO): method, route (the template, never the
/// values), status, latency.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogRequestsLayer;

impl<S> Layer<S> for LogRequestsLayer {
    type Service = LogRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LogRequests { inner }
    }
}

#[derive(Clone, Debug)]
pub struct LogRequests<S> {
    inner: S,
}

impl<S> Service<Request> for LogRequests<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if !logging_requests() {
            return Either::Left(self.inner.call(req));
        }
        let start = Instant::now();
        let method = req.method().clone();
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "(unmatched)".to_owned());
        let response = self.inner.call(req);
        Either::Right(Box::pin(async move {
            let resp = response.await?;
            tracing::info!(
                target: "logto_gateway::request",
                %method,
                route,
                status = resp.status().as_u16(),
                latency_us = start.elapsed().as_micros() as u64,
            );
            Ok(resp)
        }))
    }
}
