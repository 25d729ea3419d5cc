//! The tower layer around every route that writes the request log line and records the request's metrics. (Inbound
//! authentication is the runtime's `RequireAuthLayer`.)
//!
//! Written as a plain `tower` service rather than `axum::middleware::from_fn`, which clones and boxes the inner
//! service and boxes a future on every request: here a request that is neither logged nor metered costs one check of
//! the log filter.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use tower::{Layer, Service};

use crate::metrics::Metrics;

/// Whether request log lines are on.
pub(crate) fn logging_requests() -> bool {
    tracing::enabled!(target: "logto_gateway::request", tracing::Level::INFO)
}

/// One log line per request (target `logto_gateway::request`, level INFO): method, route (the template, never the
/// values), status, latency; and, with `metrics`, the request counted and timed by route and status class.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogRequestsLayer {
    metrics: Option<&'static Metrics>,
}

impl LogRequestsLayer {
    /// Log lines (when the log filter wants them), and metrics into `metrics`.
    pub fn new(metrics: Option<&'static Metrics>) -> Self {
        LogRequestsLayer { metrics }
    }
}

impl<S> Layer<S> for LogRequestsLayer {
    type Service = LogRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LogRequests {
            inner,
            metrics: self.metrics,
        }
    }
}

#[derive(Clone, Debug)]
pub struct LogRequests<S> {
    inner: S,
    metrics: Option<&'static Metrics>,
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
        let logging = logging_requests();
        let metrics = self.metrics;
        if !logging && metrics.is_none() {
            return Either::Left(self.inner.call(req));
        }
        let start = Instant::now();
        let method = logging.then(|| req.method().clone());
        let route = req.extensions().get::<MatchedPath>().cloned();
        let response = self.inner.call(req);
        Either::Right(Box::pin(async move {
            let resp = response.await?;
            let route = route.as_ref().map(MatchedPath::as_str);
            if let Some(m) = metrics {
                m.rest_request(route, resp.status().as_u16(), start);
            }
            if let Some(method) = method {
                tracing::info!(
                    target: "logto_gateway::request",
                    %method,
                    route = route.unwrap_or("(unmatched)"),
                    status = resp.status().as_u16(),
                    latency_us = start.elapsed().as_micros() as u64,
                );
            }
            Ok(resp)
        }))
    }
}
