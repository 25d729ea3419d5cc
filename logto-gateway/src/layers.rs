//! The tower layer around every route that writes the request log line. (Inbound authentication is the runtime's
//! `RequireAuthLayer`.)
//!
//! Written as a plain `tower` service rather than `axum::middleware::from_fn`, which clones and boxes the inner
//! service and boxes a future on every request: here a request that is not logged costs one check of the log filter.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use tower::{Layer, Service};

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
