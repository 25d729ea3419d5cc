//! Metrics in the Prometheus text format, served at `GET /metrics` on the REST listener.
//!
//! One recorder per process ([`install`], which `serve` calls unless `--metrics false`): the adapters record into it
//! here, and the runtime's transport records upstream exchanges and token refreshes into it through the `metrics`
//! facade. Every label value is bounded: a route template (never a path), a tool name the server knows (never one a
//! client made up), a status class or an outcome word; no value, id or secret is ever a label.
//!
//! The handles of a route or tool are registered the first time it is answered, and kept (a REST route's service
//! keeps its own; a tool's are looked up by name under a read lock): recording is then an atomic increment and a
//! histogram sample, with no allocation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use naftiko_runtime::client::Error;
use naftiko_runtime::mcp::{Dispatch, Outcome};
use rmcp::model::JsonObject;

/// Requests answered, by adapter, route (REST) or tool (MCP), and outcome.
pub const REQUESTS_TOTAL: &str = "gateway_requests_total";
/// Time to answer a request (REST) or a tool call (MCP), by adapter and route or tool.
pub const REQUEST_DURATION: &str = "gateway_request_duration_seconds";

/// Histogram buckets, in seconds: from 100 µs (a gateway answer without the upstream) to the upstream timeout.
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// The REST adapter's outcomes: the status class of the answer.
const REST_OUTCOMES: &[&str] = &["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The MCP adapter's outcomes of a tool call.
const MCP_OUTCOMES: &[&str] = &["ok", "upstream_error", "failed", "refused", "unknown_tool"];
const MCP_OK: usize = 0;
const MCP_UPSTREAM_ERROR: usize = 1;
const MCP_FAILED: usize = 2;
const MCP_REFUSED: usize = 3;
const MCP_UNKNOWN_TOOL: usize = 4;

/// The process's metrics: the recorder's handle and the adapters' handles.
pub struct Metrics {
    handle: PrometheusHandle,
    rest: Family,
    mcp: Family,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

static METRICS: OnceLock<Metrics> = OnceLock::new();
static INSTALLING: Mutex<()> = Mutex::new(());

/// Installs the process's recorder (the `metrics` facade's global one) and starts its upkeep thread; later calls
/// return the metrics the first one installed. Call it before the first request: the adapters built before it
/// record nothing.
pub fn install() -> Result<&'static Metrics, String> {
    let _one = INSTALLING
        .lock()
        .map_err(|_| "metrics: a previous install failed")?;
    if let Some(m) = METRICS.get() {
        return Ok(m);
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .map_err(|e| format!("metrics: {e}"))?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|e| format!("metrics: cannot install the recorder: {e}"))?;
    describe();
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP);
                upkeep.run_upkeep();
            }
        })
        .map_err(|e| format!("metrics: cannot start the upkeep thread: {e}"))?;
    Ok(METRICS.get_or_init(|| Metrics {
        handle,
        rest: Family::new("rest", "route", REST_OUTCOMES),
        mcp: Family::new("mcp", "tool", MCP_OUTCOMES),
    }))
}

/// The `# HELP` lines.
fn describe() {
    use metrics::{Unit, describe_counter, describe_histogram};
    describe_counter!(
        REQUESTS_TOTAL,
        "Requests answered: REST requests by route template and status class, MCP tool calls by tool and outcome."
    );
    describe_histogram!(
        REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer a REST request, or to carry out an MCP tool call."
    );
    describe_counter!(
        "gateway_upstream_requests_total",
        "Requests sent to Logto, by the status class of its answer (error: no answer)."
    );
    describe_histogram!(
        "gateway_upstream_duration_seconds",
        Unit::Seconds,
        "Time of one request to Logto, to the end of its answer's body."
    );
    describe_counter!(
        "gateway_token_refreshes_total",
        "Client-credentials tokens fetched from Logto's token endpoint, by result."
    );
    describe_counter!(
        "gateway_oauth_refusals_total",
        "Requests refused by the OAuth resource server, by reason (missing_token, invalid_token, insufficient_scope, unavailable)."
    );
    describe_counter!(
        "gateway_oauth_key_fetches_total",
        "Fetches of the OAuth issuer's discovery document and signing keys, by result."
    );
}

/// The installed metrics, if any.
pub fn installed() -> Option<&'static Metrics> {
    METRICS.get()
}

impl Metrics {
    fn mcp_record(&'static self, tool: &str, outcome: usize, started: Instant) {
        self.mcp.record(tool, outcome, started);
    }

    /// Everything recorded, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// The handles of a REST route, by its template (`None`: no route matched).
    pub(crate) fn rest_route(&'static self, route: Option<&str>) -> Arc<RouteHandles> {
        self.rest.handles(route.unwrap_or(UNMATCHED))
    }
}

/// The `route` of a request no route matched.
const UNMATCHED: &str = "(unmatched)";

/// The handles of one adapter, by route or tool.
struct Family {
    adapter: &'static str,
    /// The label that names the route or tool.
    label: &'static str,
    outcomes: &'static [&'static str],
    by_name: RwLock<HashMap<Box<str>, Arc<RouteHandles>>>,
}

/// The handles of one route or tool: a counter per outcome (registered when the outcome first occurs, so that only
/// outcomes that happened are listed) and the duration histogram.
pub struct RouteHandles {
    family: &'static Family,
    name: Box<str>,
    outcomes: Box<[OnceLock<Counter>]>,
    duration: Histogram,
}

impl Family {
    fn new(adapter: &'static str, label: &'static str, outcomes: &'static [&'static str]) -> Self {
        Family {
            adapter,
            label,
            outcomes,
            by_name: RwLock::new(HashMap::new()),
        }
    }

    fn handles(&'static self, name: &str) -> Arc<RouteHandles> {
        if let Ok(map) = self.by_name.read()
            && let Some(h) = map.get(name)
        {
            return Arc::clone(h);
        }
        let make = || {
            Arc::new(RouteHandles {
                family: self,
                name: name.into(),
                outcomes: self.outcomes.iter().map(|_| OnceLock::new()).collect(),
                duration: metrics::histogram!(
                    REQUEST_DURATION,
                    "adapter" => self.adapter,
                    self.label => name.to_owned()
                ),
            })
        };
        match self.by_name.write() {
            Ok(mut map) => Arc::clone(map.entry(name.into()).or_insert_with(make)),
            Err(_) => make(),
        }
    }

    fn record(&'static self, name: &str, outcome: usize, started: Instant) {
        if let Ok(map) = self.by_name.read()
            && let Some(h) = map.get(name)
        {
            h.record(outcome, started);
            return;
        }
        self.handles(name).record(outcome, started);
    }
}

impl RouteHandles {
    /// The route template or tool name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A REST request answered with `status`.
    pub(crate) fn record_status(&self, status: u16, started: Instant) {
        let outcome = usize::from(status / 100).clamp(1, REST_OUTCOMES.len()) - 1;
        self.record(outcome, started);
    }

    fn record(&self, outcome: usize, started: Instant) {
        let family = self.family;
        if let (Some(slot), Some(&word)) =
            (self.outcomes.get(outcome), family.outcomes.get(outcome))
        {
            slot.get_or_init(|| {
                metrics::counter!(
                    REQUESTS_TOTAL,
                    "adapter" => family.adapter,
                    family.label => self.name.to_string(),
                    "outcome" => word
                )
            })
            .increment(1);
        }
        self.duration.record(started.elapsed().as_secs_f64());
    }
}

/// An MCP server whose tool calls are counted and timed (when metrics are installed): in the fast lane and in rmcp
/// alike, since both call [`Dispatch::call_tool`].
#[derive(Clone)]
pub struct Metered<D> {
    inner: D,
    metrics: Option<&'static Metrics>,
}

impl<D> Metered<D> {
    pub fn new(inner: D, metrics: Option<&'static Metrics>) -> Self {
        Metered { inner, metrics }
    }
}

impl<D: Dispatch> Dispatch for Metered<D> {
    async fn call_tool(&self, name: &str, arguments: Option<JsonObject>) -> Option<Outcome> {
        let Some(m) = self.metrics else {
            return Dispatch::call_tool(&self.inner, name, arguments).await;
        };
        let started = Instant::now();
        let outcome = Dispatch::call_tool(&self.inner, name, arguments).await;
        // An unknown tool is counted where it is answered: by rmcp (the fast lane passes it on), in `call_tool` below.
        let word = match outcome.as_ref()? {
            Outcome::Called(Ok(_)) => MCP_OK,
            Outcome::Called(Err(Error::Status(_))) => MCP_UPSTREAM_ERROR,
            Outcome::Called(Err(_)) => MCP_FAILED,
            Outcome::Refused(_) => MCP_REFUSED,
        };
        m.mcp_record(name, word, started);
        outcome
    }
}

/// rmcp's side of a metered server: the inner server's, with tool calls through [`Metered`]'s dispatch.
impl<D> rmcp::handler::server::ServerHandler for Metered<D>
where
    D: Dispatch + rmcp::handler::server::ServerHandler,
{
    fn get_info(&self) -> rmcp::model::ServerConfig {
        self.inner.get_info()
    }

    async fn list_tools(
        &self,
        request: Option<rmcp::model::PaginatedRequestParams>,
        context: rmcp::service::RequestContext<rmcp::service::RoleServer>,
    ) -> Result<rmcp::model::ListToolsResult, rmcp::model::ErrorData> {
        self.inner.list_tools(request, context).await
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.inner.get_tool(name)
    }

    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: rmcp::service::RequestContext<rmcp::service::RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, rmcp::model::ErrorData> {
        let Some(m) = self.metrics else {
            return rmcp::handler::server::ServerHandler::call_tool(&self.inner, request, context)
                .await;
        };
        let started = Instant::now();
        match Dispatch::call_tool(self, &request.name, request.arguments).await {
            Some(outcome) => Ok(outcome.into_result().into()),
            None => {
                // The name is the client's, not the server's: it is never a label.
                m.mcp_record("(unknown)", MCP_UNKNOWN_TOOL, started);
                Err(rmcp::model::ErrorData::invalid_params(
                    format!("unknown tool `{}`", request.name.escape_default()),
                    None,
                ))
            }
        }
    }
}
