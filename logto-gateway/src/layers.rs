//! The tower layers around every route that write the request log line and record the requests' metrics. (Inbound
//! authentication is the runtime's `RequireAuthLayer`.)
//!
//! Written as a plain `tower` service rather than `axum::middleware::from_fn`, which clones and boxes the inner
//! service and boxes a future on every request: here a request that is not logged costs one check of the log filter.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use tower::{Layer, Service};

use crate::metrics::{Metrics, RouteHandles};
use naftiko_runtime::oauth::Caller;

/// Whether request log lines are on.
pub(crate) fn logging_requests() -> bool {
    tracing::enabled!(target: "logto_gateway::request", tracing::Level::INFO)
}

/// One log line per request (target `logto_gateway::request`, level INFO): method, route (the template, never the
/// values), status, latency, and with OAuth the client the access token names.
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
            let (status, latency_us) = (resp.status().as_u16(), start.elapsed().as_micros() as u64);
            // With OAuth, the client the access token was issued to (never the token).
            match resp.extensions().get::<Arc<Caller>>() {
                Some(caller) => tracing::info!(
                    target: "logto_gateway::request",
                    %method,
                    route,
                    status,
                    latency_us,
                    client = caller.client_id.as_deref().or(caller.subject.as_deref()).unwrap_or("-"),
                ),
                None => tracing::info!(
                    target: "logto_gateway::request",
                    %method,
                    route,
                    status,
                    latency_us,
                ),
            }
            Ok(resp)
        }))
    }
}

/// Counts and times every request of a route by its template and status class (`gateway_requests_total`,
/// `gateway_request_duration_seconds`), when metrics are installed.
///
/// A route layer (`Router::route_layer`), in the same stack as authentication, so that it adds no level of boxed
/// services: each route gets its own service, which looks its route's handles up once and keeps them.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordRequestsLayer {
    metrics: Option<&'static Metrics>,
}

impl RecordRequestsLayer {
    pub fn new(metrics: Option<&'static Metrics>) -> Self {
        RecordRequestsLayer { metrics }
    }
}

impl<S> Layer<S> for RecordRequestsLayer {
    type Service = RecordRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordRequests {
            inner,
            metrics: self.metrics,
            route: Arc::new(OnceLock::new()),
        }
    }
}

#[derive(Clone)]
pub struct RecordRequests<S> {
    inner: S,
    metrics: Option<&'static Metrics>,
    /// The handles of the route this service answers, from its first request.
    route: Arc<OnceLock<Arc<RouteHandles>>>,
}

impl<S> std::fmt::Debug for RecordRequests<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordRequests").finish_non_exhaustive()
    }
}

impl<S> Service<Request> for RecordRequests<S>
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
        let Some(metrics) = self.metrics else {
            return Either::Left(self.inner.call(req));
        };
        let start = Instant::now();
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        // One service answers one route; should it see another, that one is looked up.
        let handles = match self.route.get() {
            Some(h) if route.is_some_and(|r| r == h.name()) => Arc::clone(h),
            Some(_) => metrics.rest_route(route),
            None => Arc::clone(self.route.get_or_init(|| metrics.rest_route(route))),
        };
        let response = self.inner.call(req);
        Either::Right(Box::pin(async move {
            let resp = response.await?;
            handles.record_status(resp.status().as_u16(), start);
            Ok(resp)
        }))
    }
}
