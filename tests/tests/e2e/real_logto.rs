//! The gateway against a real Logto OSS server (`../shared/real-logto/setup.sh`, run by `cargo xtask test`): every
//! one of the spec's 60 operations, in a lifecycle of real objects, called through the gateway and directly against
//! Logto with the same inputs and state — once through the REST adapter, once as MCP tools through the official MCP
//! Python SDK. The answers must agree: for REST the same status, content type, body and pagination headers; for MCP
//! the same JSON as structured content, and Logto's error (its code, message and the field it refused) in the tool
//! error. Also: Logto's query semantics through both adapters, and the M2M token's life.
//!
//! A write is made twice, once on each side, on objects of its own (two applications created alike, say): the answers
//! then differ only where two fresh objects legitimately differ — their ids (each side's id is replaced by one name
//! before comparing), creation times and generated secrets (masked). Writes to singletons (the JWT customizer, the
//! OIDC cookie keys) put the state back between the two calls, so that both see the same state.
//!
//! Every object is created with the run's tag in its name and deleted at the end; objects left by an interrupted run
//! (names starting with [`PREFIX`]) are deleted first, so the suite re-runs against the same server.
//!
//! Without a running server these tests are skipped with a message saying what to run; under `CI=true` or
//! `REAL_LOGTO_REQUIRED=1` they fail instead.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::spec::{self, Spec};
use e2e_tests::mcp_bridge::McpBridge;
use e2e_tests::real_logto::{Answer, Body, Direct, RealLogto, send};
use e2e_tests::{Gateway, GatewayOptions, McpGateway, http_client};
use naftiko_runtime::client::Auth;
use serde_json::{Value, json};

/// Names of every object the suite creates start with this.
const PREFIX: &str = "naftiko-e2e";

/// Operations whose subject Logto OSS does not have (Cloud-only features, or a route newer than v1.37.1): the
/// gateway must pass Logto's answer through, which the comparison shows like any other.
const OSS_LACKS: [(&str, &str); 14] = [
    (
        "listapplicationprotectedappmetadatacustomdomains",
        "protected apps are Logto Cloud's",
    ),
    (
        "createapplicationprotectedappmetadatacustomdomai",
        "protected apps are Logto Cloud's",
    ),
    (
        "deleteapplicationprotectedappmetadatacustomdomai",
        "protected apps are Logto Cloud's",
    ),
    (
        "getoidcsessionconfig",
        "/api/configs/oidc/session came after v1.37.1",
    ),
    (
        "updateoidcsessionconfig",
        "/api/configs/oidc/session came after v1.37.1",
    ),
    ("listconnectors", "OSS ships no connectors here: always []"),
    ("getconnector", "OSS ships no connectors here"),
    ("updateconnector", "OSS ships no connectors here"),
    ("deleteconnector", "OSS ships no connectors here"),
    ("createconnector", "OSS ships no connector factories here"),
    (
        "createconnectortest",
        "OSS ships no connector factories here",
    ),
    (
        "createconnectorauthorizationuri",
        "OSS ships no connectors here",
    ),
    (
        "listconnectorfactories",
        "OSS ships no connector factories here: always []",
    ),
    (
        "getconnectorfactory",
        "OSS ships no connector factories here",
    ),
];

/// Which side of a comparison a call is made on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Gateway,
    Direct,
}

/// Two objects made alike, one for each side.
#[derive(Clone, Debug)]
struct Pair {
    gateway: String,
    direct: String,
}

impl Pair {
    fn on(&self, side: Side) -> String {
        match side {
            Side::Gateway => self.gateway.clone(),
            Side::Direct => self.direct.clone(),
        }
    }
}

/// One call's inputs: path parameters (by the consumed path's placeholder names), query and body.
#[derive(Clone, Debug, Default)]
struct Call {
    path: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

fn call() -> Call {
    Call::default()
}

impl Call {
    fn path(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.path.push((name, value.into()));
        self
    }

    fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// What the gateway answered, as its caller sees it.
#[derive(Debug)]
enum Seen {
    Rest(Answer),
    /// `{"result": CallToolResult}` or `{"error": …}` from the MCP bridge.
    Mcp(Value),
}

impl Seen {
    /// The JSON body the gateway gave: the REST body, or the tool's structured content (a list unwrapped from its
    /// `{"items": […]}`).
    fn json(&self) -> Option<Value> {
        match self {
            Seen::Rest(a) => a.json().cloned(),
            Seen::Mcp(r) => {
                let s = r["result"].get("structuredContent")?;
                match s.get("items") {
                    Some(items) if s.as_object().is_some_and(|o| o.len() <= 2) => {
                        Some(items.clone())
                    }
                    _ => Some(s.clone()),
                }
            }
        }
    }
}

enum Via {
    Rest {
        gateway: Gateway,
        http: reqwest::Client,
    },
    Mcp {
        _gateway: Box<McpGateway>,
        bridge: McpBridge,
    },
}

/// The lifecycle's state: the spec, both sides, the ids of paired objects, and what disagreed.
struct Suite {
    spec: Spec,
    direct: Direct,
    via: Via,
    tag: String,
    /// (gateway's, direct's, the name both are replaced by) before answers are compared.
    swaps: Vec<(String, String, String)>,
    /// Keys whose values are masked before answers are compared, besides [`ALWAYS_MASKED`].
    masked: Vec<&'static str>,
    disagreements: Vec<String>,
    called: BTreeSet<String>,
    /// Objects to delete at the end (paths, deleted directly).
    cleanup: Vec<String>,
    /// Logto's own answers to the operations of [`OSS_LACKS`].
    lacking: Vec<(String, Answer)>,
    /// Logto's status for each compared call, in order.
    statuses: Vec<(String, u16)>,
}

/// Keys whose values legitimately differ between two objects created alike.
const ALWAYS_MASKED: [&str; 3] = ["createdAt", "updatedAt", "secret"];

fn run_tag() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{PREFIX}-{:x}", nanos % 0xffff_ffff)
}

impl Suite {
    async fn new(logto: &RealLogto, via: Via) -> Suite {
        let spec = spec::load();
        let suite = Suite {
            spec,
            direct: logto.direct(),
            via,
            tag: run_tag(),
            swaps: Vec::new(),
            masked: Vec::new(),
            disagreements: Vec::new(),
            called: BTreeSet::new(),
            cleanup: Vec::new(),
            lacking: Vec::new(),
            statuses: Vec::new(),
        };
        suite.purge_leftovers().await;
        suite
    }

    /// The consumed operation behind `op` (REST operation and MCP tool names are the operation names).
    fn consumed(&self, op: &str) -> &spec::ConsumedOp {
        self.spec
            .consumed
            .values()
            .find(|c| c.name == op)
            .unwrap_or_else(|| panic!("no consumed operation `{op}`"))
    }

    /// `path?query` of `op` with `c`'s values, each path value one percent-encoded segment.
    fn path_and_query(&self, op: &str, c: &Call) -> String {
        let consumed = self.consumed(op);
        let mut path = consumed.path.clone();
        for name in spec::placeholders(&consumed.path) {
            let value = c
                .path
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{op}: no value for path parameter `{name}`"))
                .1
                .clone();
            let encoded = spec::encode_segment(&value);
            path = path
                .replacen(&format!("{{{{{name}}}}}"), &encoded, 1)
                .replacen(&format!("{{{name}}}"), &encoded, 1);
        }
        if !c.query.is_empty() {
            let q = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&c.query)
                .finish();
            path = format!("{path}?{q}");
        }
        path
    }

    /// The MCP arguments for `c`: path values as strings, query values typed as the spec declares them (keys it
    /// does not declare go into its object-typed parameter, sent form-exploded), the body as `body`.
    fn tool_arguments(&self, op: &str, c: &Call) -> Value {
        let consumed = self.consumed(op);
        let mut args = serde_json::Map::new();
        for (name, value) in &c.path {
            args.insert((*name).to_owned(), json!(value));
        }
        let object_param = consumed
            .params
            .iter()
            .find(|p| p.location == "query" && p.ty == "object")
            .map(|p| p.name.clone());
        for (key, value) in &c.query {
            match consumed
                .params
                .iter()
                .find(|p| p.location == "query" && &p.name == key)
            {
                Some(p) if p.ty == "integer" => {
                    args.insert(
                        key.clone(),
                        json!(value.parse::<i64>().expect("an integer")),
                    );
                }
                Some(p) if p.ty == "boolean" => {
                    args.insert(key.clone(), json!(value == "true"));
                }
                Some(_) => {
                    args.insert(key.clone(), json!(value));
                }
                None => {
                    let object = object_param
                        .clone()
                        .unwrap_or_else(|| panic!("{op} has no parameter for `{key}`"));
                    args.entry(object)
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .expect("an object")
                        .insert(key.clone(), json!(value));
                }
            }
        }
        if let Some(b) = &c.body {
            args.insert("body".to_owned(), b.clone());
        }
        Value::Object(args)
    }

    /// `op` through the gateway.
    async fn via_gateway(&mut self, op: &str, c: &Call) -> Seen {
        self.called.insert(op.to_owned());
        let method = self.consumed(op).method.clone();
        let path = self.path_and_query(op, c);
        let args = self.tool_arguments(op, c);
        match &mut self.via {
            Via::Rest { gateway, http } => {
                Seen::Rest(send(http, &method, &gateway.at(&path), None, c.body.as_ref()).await)
            }
            Via::Mcp { bridge, .. } => Seen::Mcp(bridge.call(op, &args).await),
        }
    }

    /// `op` directly against Logto.
    async fn via_direct(&self, op: &str, c: &Call) -> Answer {
        let method = &self.consumed(op).method;
        self.direct
            .call(method, &self.path_and_query(op, c), c.body.as_ref())
            .await
    }

    /// `op` on both sides, each with its own inputs, without comparing.
    async fn call_both(&mut self, op: &str, make: impl Fn(Side) -> Call) -> (Seen, Answer) {
        let seen = self.via_gateway(op, &make(Side::Gateway)).await;
        let direct = self.via_direct(op, &make(Side::Direct)).await;
        (seen, direct)
    }

    /// `op` through the gateway's MCP tool, which must refuse `c` itself: a tool error holding each of `naming`,
    /// and nothing made in Logto (no application of the call's body's name).
    async fn refused_by_the_tool(&mut self, op: &str, c: &Call, naming: &[&str]) {
        let Seen::Mcp(seen) = self.via_gateway(op, c).await else {
            panic!("{op}: not an MCP call");
        };
        let result = &seen["result"];
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        if result["isError"] != json!(true) || naming.iter().any(|n| !text.contains(n)) {
            self.disagreements.push(format!(
                "{op}: the tool did not refuse the body naming {naming:?}: {seen}"
            ));
        }
        let name = c
            .body
            .as_ref()
            .and_then(|b| b["name"].as_str())
            .unwrap_or_default();
        let listed = self
            .direct
            .call(
                "GET",
                &format!(
                    "/api/applications?search.name={}&mode.name=exact",
                    spec::encode_segment(name)
                ),
                None,
            )
            .await;
        if listed.body != Body::Json(json!([])) {
            self.disagreements
                .push(format!("{op}: a refused call reached Logto: {listed:?}"));
        }
    }

    /// `op` on both sides, each with its own inputs (each side's objects), and whether the answers agree once each
    /// side's ids are replaced by one name.
    async fn both(&mut self, op: &str, make: impl Fn(Side) -> Call) -> Answer {
        let (seen, direct) = self.call_both(op, make).await;
        self.compare(op, &seen, &direct);
        direct
    }

    /// Like [`Suite::both`], with `between` run directly after the gateway's call (to put the state back).
    async fn both_reset(
        &mut self,
        op: &str,
        c: Call,
        between: &[(&str, &str, Option<Value>)],
    ) -> Answer {
        let seen = self.via_gateway(op, &c).await;
        for (method, path, body) in between {
            let _ = self.direct.call(method, path, body.as_ref()).await;
        }
        let direct = self.via_direct(op, &c).await;
        self.compare(op, &seen, &direct);
        direct
    }

    /// `op` with the same inputs on both sides, seeing the same objects: the answers must agree as they are.
    async fn same(&mut self, op: &str, c: Call) -> Answer {
        let seen = self.via_gateway(op, &c).await;
        let direct = self.via_direct(op, &c).await;
        let swaps = std::mem::take(&mut self.swaps);
        self.compare(op, &seen, &direct);
        self.swaps = swaps;
        direct
    }

    /// Creates a pair of objects with `op` (each side's `make`), registers their ids, and returns them.
    async fn create(&mut self, op: &str, what: &str, make: impl Fn(Side) -> Call) -> Pair {
        let (seen, direct) = self.call_both(op, make).await;
        let id = |v: Option<&Value>| {
            v.and_then(|v| v["id"].as_str())
                .unwrap_or_else(|| panic!("{op}: no id in {v:?} ({direct:?})"))
                .to_owned()
        };
        let pair = Pair {
            gateway: id(seen.json().as_ref()),
            direct: id(direct.json()),
        };
        self.swap(&pair, what);
        self.compare(op, &seen, &direct);
        pair
    }

    /// Answers name `pair.gateway` on one side where the other names `pair.direct`: both become `<what>`.
    fn swap(&mut self, pair: &Pair, what: &str) {
        self.swaps.push((
            pair.gateway.clone(),
            pair.direct.clone(),
            format!("<{what}>"),
        ));
    }

    fn normalize(&self, side: Side, v: &Value) -> Value {
        match v {
            Value::String(s) => {
                let mut s = s.clone();
                for (gw, direct, name) in &self.swaps {
                    let from = if side == Side::Gateway { gw } else { direct };
                    s = s.replace(from.as_str(), name);
                }
                Value::String(s)
            }
            Value::Array(a) => {
                let mut items: Vec<Value> = a.iter().map(|v| self.normalize(side, v)).collect();
                // Logto gives some sets of names in no fixed order (an application's user consent scopes).
                if items.iter().all(Value::is_string) {
                    items.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
                }
                Value::Array(items)
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        let masked = ALWAYS_MASKED.contains(&k.as_str())
                            || self.masked.contains(&k.as_str());
                        let v = if masked && !v.is_null() {
                            json!("<masked>")
                        } else {
                            self.normalize(side, v)
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn normalize_text(&self, side: Side, s: &str) -> String {
        match self.normalize(side, &json!(s)) {
            Value::String(s) => s,
            _ => unreachable!(),
        }
    }

    fn disagree(&mut self, op: &str, what: String) {
        eprintln!("DISAGREE {op}: {what}");
        self.disagreements.push(format!("{op}: {what}"));
    }

    /// Whether the gateway's answer agrees with Logto's.
    fn compare(&mut self, op: &str, seen: &Seen, direct: &Answer) {
        self.statuses.push((op.to_owned(), direct.status));
        if OSS_LACKS.iter().any(|(name, _)| *name == op) {
            self.lacking.push((op.to_owned(), direct.clone()));
        }
        let direct_body = match &direct.body {
            Body::Json(v) => Body::Json(self.normalize(Side::Direct, v)),
            Body::Text(t) => Body::Text(self.normalize_text(Side::Direct, t)),
            Body::Empty => Body::Empty,
        };
        match seen {
            Seen::Rest(a) => {
                let body = match &a.body {
                    Body::Json(v) => Body::Json(self.normalize(Side::Gateway, v)),
                    Body::Text(t) => Body::Text(self.normalize_text(Side::Gateway, t)),
                    Body::Empty => Body::Empty,
                };
                let links: Vec<String> = a
                    .links
                    .iter()
                    .map(|l| self.normalize_text(Side::Gateway, &sorted_query(l)))
                    .collect();
                let direct_links: Vec<String> = direct
                    .links
                    .iter()
                    .map(|l| self.normalize_text(Side::Direct, &sorted_query(l)))
                    .collect();
                let mut diffs = Vec::new();
                if a.status != direct.status {
                    diffs.push(format!("status {} ≠ Logto's {}", a.status, direct.status));
                }
                if a.content_type != direct.content_type {
                    diffs.push(format!(
                        "content type {:?} ≠ Logto's {:?}",
                        a.content_type, direct.content_type
                    ));
                }
                if body != direct_body {
                    diffs.push(format!("body {body:?} ≠ Logto's {direct_body:?}"));
                }
                if a.total_number != direct.total_number {
                    diffs.push(format!(
                        "Total-Number {:?} ≠ Logto's {:?}",
                        a.total_number, direct.total_number
                    ));
                }
                if links != direct_links {
                    diffs.push(format!("Link {links:?} ≠ Logto's {direct_links:?}"));
                }
                if !diffs.is_empty() {
                    self.disagree(op, diffs.join("; "));
                }
            }
            Seen::Mcp(r) => {
                let Some(result) = r.get("result") else {
                    return self
                        .disagree(op, format!("a JSON-RPC error {r} for Logto's {direct:?}"));
                };
                let is_error = result["isError"] == true;
                let text = crate::support::mcp::text(result);
                if !direct.is_success() {
                    let mut missing = vec![];
                    let status = direct.status.to_string();
                    let mut wanted = vec![status.as_str()];
                    if let Some(j) = direct.json() {
                        for k in ["code", "message", "details"] {
                            if let Some(s) = j[k].as_str() {
                                wanted.push(s);
                            }
                        }
                    }
                    let text = self.normalize_text(Side::Gateway, &text);
                    let wanted: Vec<String> = wanted
                        .iter()
                        .map(|w| self.normalize_text(Side::Direct, w))
                        .collect();
                    for w in &wanted {
                        if !text.contains(w.as_str()) {
                            missing.push(w.clone());
                        }
                    }
                    if !is_error || !missing.is_empty() {
                        self.disagree(
                            op,
                            format!(
                                "tool result {result} for Logto's {direct:?}: missing {missing:?}"
                            ),
                        );
                    }
                    return;
                }
                if is_error {
                    return self
                        .disagree(op, format!("tool error {text:?} for Logto's {direct:?}"));
                }
                match &direct_body {
                    Body::Json(v) => {
                        let expected = match v {
                            Value::Object(_) => v.clone(),
                            Value::Array(_) => match &direct.total_number {
                                Some(n) => {
                                    json!({"items": v, "totalNumber": n.parse::<u64>().unwrap_or(0)})
                                }
                                None => json!({"items": v}),
                            },
                            other => json!({"value": other}),
                        };
                        let got = result
                            .get("structuredContent")
                            .map(|s| self.normalize(Side::Gateway, s));
                        if got.as_ref() != Some(&expected) {
                            self.disagree(
                                op,
                                format!("structured content {got:?} ≠ Logto's {expected}"),
                            );
                        }
                    }
                    Body::Text(t) if text.contains(t.trim()) => {}
                    Body::Empty
                        if text
                            .contains(&format!("answered {} with no content", direct.status)) => {}
                    _ => self.disagree(op, format!("tool result {text:?} for Logto's {direct:?}")),
                }
            }
        }
    }

    /// Deletes what an interrupted run of the suite left (names starting with [`PREFIX`]).
    async fn purge_leftovers(&self) {
        for (list, key, path) in [
            (
                "/api/applications?page_size=100",
                "name",
                "/api/applications/",
            ),
            ("/api/resources?page_size=100", "name", "/api/resources/"),
            ("/api/roles?page_size=100", "name", "/api/roles/"),
            (
                "/api/organizations?page_size=100",
                "name",
                "/api/organizations/",
            ),
            (
                "/api/organization-scopes?page_size=100",
                "name",
                "/api/organization-scopes/",
            ),
            ("/api/users?page_size=100", "username", "/api/users/"),
        ] {
            let a = self.direct.call("GET", list, None).await;
            for item in a.json().and_then(Value::as_array).into_iter().flatten() {
                let name = item[key].as_str().unwrap_or_default();
                if name.starts_with(PREFIX) || name.starts_with(&PREFIX.replace('-', "_")) {
                    let id = item["id"].as_str().unwrap_or_default();
                    self.direct
                        .call("DELETE", &format!("{path}{id}"), None)
                        .await;
                }
            }
        }
    }

    /// Deletes what this run made, then says whether every operation was called and everything agreed.
    async fn finish(mut self, expected_ops: usize) {
        for path in std::mem::take(&mut self.cleanup).iter().rev() {
            self.direct.call("DELETE", path, None).await;
        }
        self.purge_leftovers().await;
        if let Via::Mcp { bridge, .. } = self.via {
            bridge.close().await;
        }
        let all: BTreeSet<String> = self
            .spec
            .consumed
            .values()
            .map(|c| c.name.clone())
            .collect();
        let missing: Vec<_> = all.difference(&self.called).collect();
        assert!(missing.is_empty(), "operations never called: {missing:?}");
        assert_eq!(self.called.len(), expected_ops);
        eprintln!("{} calls compared; Logto's statuses:", self.statuses.len());
        for (op, status) in &self.statuses {
            eprintln!("  {status} {op}");
        }
        // The lifecycle reaches real work: every operation OSS has succeeds at least once.
        let never_succeeded: Vec<&String> = self
            .called
            .iter()
            .filter(|op| !OSS_LACKS.iter().any(|(name, _)| name == op))
            .filter(|op| {
                !self
                    .statuses
                    .iter()
                    .any(|(o, status)| o == *op && (200..300).contains(status))
            })
            .collect();
        assert!(
            never_succeeded.is_empty(),
            "operations Logto never answered with a success: {never_succeeded:?}"
        );
        // What OSS lacks, it refuses (or lists as empty): if that changes, the list above is out of date.
        for (op, answer) in &self.lacking {
            let empty_list = answer
                .json()
                .is_some_and(|v| v.as_array().is_some_and(Vec::is_empty));
            assert!(
                !answer.is_success() || empty_list,
                "{op} is listed as lacking in Logto OSS, yet Logto answered {answer:?}"
            );
        }
        assert!(
            self.disagreements.is_empty(),
            "{} disagreement(s) with Logto:\n{}",
            self.disagreements.len(),
            self.disagreements.join("\n")
        );
    }
}

/// The `name` of every item of a listing.
fn names(a: &Answer) -> Vec<String> {
    a.json()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item["name"].as_str().map(str::to_owned))
        .collect()
}

/// A `Link` value (`<URL>; rel="next"`) with its URL's query pairs sorted: Logto's link repeats the request's query,
/// and the gateway sends the parameters it knows in the spec's order, not in its caller's.
fn sorted_query(link: &str) -> String {
    let Some((url, rest)) = link.strip_prefix('<').and_then(|l| l.split_once('>')) else {
        return link.to_owned();
    };
    let Some((path, query)) = url.split_once('?') else {
        return link.to_owned();
    };
    let mut pairs: Vec<&str> = query.split('&').collect();
    pairs.sort_unstable();
    format!("<{path}?{}>{rest}", pairs.join("&"))
}

/// The whole lifecycle: every operation of the spec, with real objects.
async fn lifecycle(s: &mut Suite) {
    let tag = s.tag.clone();

    // What the lifecycle needs and the spec has no operation for, made directly.
    let role1 = s
        .direct
        .ok(
            "POST",
            "/api/roles",
            Some(json!({"name": format!("{tag}-m2m-1"), "description": "e2e", "type": "MachineToMachine"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let role2 = s
        .direct
        .ok(
            "POST",
            "/api/roles",
            Some(json!({"name": format!("{tag}-m2m-2"), "description": "e2e", "type": "MachineToMachine"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.cleanup.push(format!("/api/roles/{role1}"));
    s.cleanup.push(format!("/api/roles/{role2}"));
    let user = s
        .direct
        .ok(
            "POST",
            "/api/users",
            Some(json!({"username": format!("{tag}-user").replace('-', "_")})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.cleanup.push(format!("/api/users/{user}"));
    let org = s
        .direct
        .ok(
            "POST",
            "/api/organizations",
            Some(json!({"name": format!("{tag}-org")})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.cleanup.push(format!("/api/organizations/{org}"));
    s.direct
        .ok(
            "POST",
            &format!("/api/organizations/{org}/users"),
            Some(json!({"userIds": [user]})),
        )
        .await;
    let org_scope = s
        .direct
        .ok(
            "POST",
            "/api/organization-scopes",
            Some(json!({"name": format!("{tag}-org-scope")})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.cleanup
        .push(format!("/api/organization-scopes/{org_scope}"));
    let fixture_api = s
        .direct
        .ok(
            "POST",
            "/api/resources",
            Some(json!({"name": format!("{tag}-fixture-api"), "indicator": format!("https://{tag}.fixture.example/api")})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.cleanup.push(format!("/api/resources/{fixture_api}"));
    let fixture_scope = s
        .direct
        .ok(
            "POST",
            &format!("/api/resources/{fixture_api}/scopes"),
            Some(json!({"name": "read:fixture"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // ---- Applications.
    let m2m = s
        .create("createapplication", "m2m app", |_| {
            call().body(json!({"name": format!("{tag} m2m"), "type": "MachineToMachine", "description": "e2e"}))
        })
        .await;
    let third_party = s
        .create("createapplication", "third-party app", |_| {
            call().body(json!({
                "name": format!("{tag} third party"),
                "type": "Traditional",
                "isThirdParty": true,
                "oidcClientMetadata": {"redirectUris": ["https://example.com/callback"], "postLogoutRedirectUris": []}
            }))
        })
        .await;
    for pair in [&m2m, &third_party] {
        s.cleanup
            .push(format!("/api/applications/{}", pair.gateway));
        s.cleanup.push(format!("/api/applications/{}", pair.direct));
    }
    // A body outside its schema. REST forwards it, and Logto's reason must reach the caller as Logto words it; an
    // MCP tool checks it against the body's model first, names what is wrong, and Logto is not called.
    let refused = call().body(json!({"name": format!("{tag} refused"), "type": "Nope"}));
    if matches!(s.via, Via::Mcp { .. }) {
        s.refused_by_the_tool(
            "createapplication",
            &refused,
            &["`body.type`", "`MachineToMachine`", "Nope"],
        )
        .await;
    } else {
        s.same("createapplication", refused).await;
    }
    s.both("getapplication", |side| call().path("id", m2m.on(side)))
        .await;
    s.both("updateapplication", |side| {
        call().path("id", m2m.on(side)).body(
            json!({"description": "e2e, updated", "customClientMetadata": {"idTokenTtl": 3600}}),
        )
    })
    .await;
    s.both("updateapplicationcustomdata", |side| {
        call()
            .path("applicationId", m2m.on(side))
            .body(json!({"tier": "gold", "seats": 3}))
    })
    .await;
    // Logto's search syntax and pagination: 2 of the run's 4 applications a page, with Total-Number and Link.
    let search = format!("%{tag}%");
    for page in [1, 2] {
        let a = s
            .same(
                "listapplications",
                call()
                    .query("search.name", &search)
                    .query("mode.name", "like")
                    .query("page", page)
                    .query("page_size", 2),
            )
            .await;
        let names = names(&a);
        assert_eq!(names.len(), 2, "page {page} of 2: {a:?}");
        assert!(
            names.iter().all(|n| n.contains(&tag)),
            "only the run's: {names:?}"
        );
        assert_eq!(a.total_number.as_deref(), Some("4"), "{a:?}");
        let rels: Vec<&str> = a
            .links
            .iter()
            .filter_map(|l| l.split("rel=").nth(1))
            .collect();
        let next_or_prev = if page == 1 { "\"next\"" } else { "\"prev\"" };
        assert!(rels.contains(&next_or_prev), "page {page}: {:?}", a.links);
    }
    let a = s
        .same(
            "listapplications",
            call()
                .query("types", "MachineToMachine")
                .query("search.name", &search)
                .query("mode.name", "like"),
        )
        .await;
    assert_eq!(
        names(&a),
        vec![format!("{tag} m2m"); 2],
        "filtered by type: {a:?}"
    );
    let a = s
        .same(
            "listapplications",
            call()
                .query("isThirdParty", "true")
                .query("search.name", &search)
                .query("mode.name", "like"),
        )
        .await;
    assert_eq!(
        names(&a),
        vec![format!("{tag} third party"); 2],
        "filtered: {a:?}"
    );
    let a = s
        .same(
            "listapplications",
            call()
                .query("search.name", format!("{tag} m2m"))
                .query("mode.name", "exact"),
        )
        .await;
    assert_eq!(
        names(&a),
        vec![format!("{tag} m2m"); 2],
        "an exact name: {a:?}"
    );

    // Roles of the M2M app: assign (Logto: 201 `Created`, text), replace (200 `OK`, text), list, delete.
    s.both("listapplicationroles", |side| {
        call().path("applicationId", m2m.on(side))
    })
    .await;
    s.both("assignapplicationroles", |side| {
        call()
            .path("applicationId", m2m.on(side))
            .body(json!({"roleIds": [role1]}))
    })
    .await;
    s.both("replaceapplicationroles", |side| {
        call()
            .path("applicationId", m2m.on(side))
            .body(json!({"roleIds": [role1, role2]}))
    })
    .await;
    s.both("listapplicationroles", |side| {
        call()
            .path("applicationId", m2m.on(side))
            .query("page", 1)
            .query("page_size", 1)
    })
    .await;
    s.both("deleteapplicationrole", |side| {
        call()
            .path("applicationId", m2m.on(side))
            .path("roleId", role2.clone())
    })
    .await;

    // Protected-app custom domains (Logto Cloud): Logto's refusal passes through.
    s.both("listapplicationprotectedappmetadatacustomdomains", |side| {
        call().path("id", m2m.on(side))
    })
    .await;
    s.both("createapplicationprotectedappmetadatacustomdomai", |side| {
        call()
            .path("id", m2m.on(side))
            .body(json!({"domain": "auth.example.com"}))
    })
    .await;
    s.both("deleteapplicationprotectedappmetadatacustomdomai", |side| {
        call()
            .path("id", m2m.on(side))
            .path("domain", "auth.example.com")
    })
    .await;

    // Organizations of the M2M app.
    s.direct
        .ok(
            "POST",
            &format!("/api/organizations/{org}/applications"),
            Some(json!({"applicationIds": [m2m.gateway, m2m.direct]})),
        )
        .await;
    s.both("listapplicationorganizations", |side| {
        call()
            .path("id", m2m.on(side))
            .query("page", 1)
            .query("page_size", 10)
    })
    .await;

    // Secrets.
    s.masked.push("value");
    s.both("listapplicationsecrets", |side| {
        call().path("id", m2m.on(side))
    })
    .await;
    s.both("createapplicationsecret", |side| {
        call()
            .path("id", m2m.on(side))
            .body(json!({"name": "e2e-secret", "expiresAt": null}))
    })
    .await;
    s.both("updateapplicationsecret", |side| {
        call()
            .path("id", m2m.on(side))
            .path("name", "e2e-secret")
            .body(json!({"name": "e2e secret/renamed"}))
    })
    .await;
    s.both("deleteapplicationsecret", |side| {
        call()
            .path("id", m2m.on(side))
            .path("name", "e2e secret/renamed")
    })
    .await;
    // Applications made before Logto had several secrets per application keep a legacy one; new ones have none.
    s.both("deleteapplicationlegacysecret", |side| {
        call().path("id", m2m.on(side))
    })
    .await;
    s.direct.logto.sql(&format!(
        "UPDATE applications SET secret = 'e2e-legacy-secret' WHERE id IN ('{}', '{}')",
        m2m.gateway, m2m.direct
    ));
    s.both("deleteapplicationlegacysecret", |side| {
        call().path("id", m2m.on(side))
    })
    .await;
    s.both("listapplicationsecrets", |side| {
        call().path("id", m2m.on(side))
    })
    .await;
    s.masked.retain(|k| *k != "value");

    // User consent scopes of the third-party app (Logto: 201 `Created`, text).
    s.both("createapplicationuserconsentscope", |side| {
        call()
            .path("applicationId", third_party.on(side))
            .body(json!({
                "organizationScopes": [org_scope],
                "resourceScopes": [fixture_scope],
                "userScopes": ["profile", "email"]
            }))
    })
    .await;
    s.both("listapplicationuserconsentscopes", |side| {
        call().path("applicationId", third_party.on(side))
    })
    .await;
    s.both("deleteapplicationuserconsentscope", |side| {
        call()
            .path("applicationId", third_party.on(side))
            .path("scopeType", "user-scopes")
            .path("scopeId", "email")
    })
    .await;

    // The third-party app's sign-in experience.
    s.both("replaceapplicationsigninexperience", |side| {
        call()
            .path("applicationId", third_party.on(side))
            .body(json!({
                "displayName": "E2E",
                "termsOfUseUrl": "https://example.com/terms",
                "privacyPolicyUrl": "https://example.com/privacy"
            }))
    })
    .await;
    s.both("getapplicationsigninexperience", |side| {
        call().path("applicationId", third_party.on(side))
    })
    .await;

    // Organizations a user consented to for the third-party app.
    let consent = |side: Side| {
        call()
            .path("id", third_party.on(side))
            .path("userId", user.clone())
    };
    s.both("replaceapplicationuserconsentorganizations", |side| {
        consent(side).body(json!({"organizationIds": []}))
    })
    .await;
    s.both("createapplicationuserconsentorganization", |side| {
        consent(side).body(json!({"organizationIds": [org]}))
    })
    .await;
    s.both("listapplicationuserconsentorganizations", |side| {
        consent(side).query("page", 1).query("page_size", 5)
    })
    .await;
    s.both("deleteapplicationuserconsentorganization", |side| {
        consent(side).path("organizationId", org.clone())
    })
    .await;
    s.both("replaceapplicationuserconsentorganizations", |side| {
        consent(side).body(json!({"organizationIds": [org]}))
    })
    .await;

    s.both("deleteapplication", |side| {
        call().path("id", third_party.on(side))
    })
    .await;
    s.both("getapplication", |side| {
        call().path("id", third_party.on(side))
    })
    .await;

    // ---- Configs.
    s.same("getadminconsoleconfig", call()).await;
    s.same(
        "updateadminconsoleconfig",
        call().body(json!({"organizationCreated": true})),
    )
    .await;
    s.same("getoidcsessionconfig", call()).await;
    s.same(
        "updateoidcsessionconfig",
        call().body(json!({"ttl": 1_209_600})),
    )
    .await;
    s.masked.extend(["id", "value"]);
    s.same("getoidckeys", call().path("keyType", "private-keys"))
        .await;
    s.same("getoidckeys", call().path("keyType", "cookie-keys"))
        .await;
    // Rotation makes a new key each time; its id and time are masked.
    s.same("rotateoidckeys", call().path("keyType", "cookie-keys"))
        .await;
    // Each side deletes the older of two cookie keys.
    let older = |keys: Value| keys[1]["id"].as_str().map(str::to_owned);
    let keys = s
        .direct
        .ok("GET", "/api/configs/oidc/cookie-keys", None)
        .await;
    let gw_key = older(keys).expect("two cookie keys after a rotation");
    let seen = s
        .via_gateway(
            "deleteoidckey",
            &call().path("keyType", "cookie-keys").path("keyId", gw_key),
        )
        .await;
    let keys = s
        .direct
        .ok("POST", "/api/configs/oidc/cookie-keys/rotate", None)
        .await;
    let direct_key = older(keys).expect("two cookie keys after a rotation");
    let direct = s
        .via_direct(
            "deleteoidckey",
            &call()
                .path("keyType", "cookie-keys")
                .path("keyId", direct_key),
        )
        .await;
    s.compare("deleteoidckey", &seen, &direct);
    s.masked.retain(|k| !["id", "value"].contains(k));

    let script = "const getCustomJwtClaims = async ({ token, context, environmentVariables }) => { return { e2e: true }; };";
    let customizer = json!({"script": script, "environmentVariables": {"E2E": "1"}});
    let at = "/api/configs/jwt-customizer/access-token";
    let _ = s.direct.call("DELETE", at, None).await;
    s.both_reset(
        "upsertjwtcustomizer",
        call()
            .path("tokenTypePath", "access-token")
            .body(customizer.clone()),
        &[("DELETE", at, None)],
    )
    .await;
    s.same(
        "updatejwtcustomizer",
        call()
            .path("tokenTypePath", "access-token")
            .body(json!({"script": script, "environmentVariables": {"E2E": "2"}})),
    )
    .await;
    s.same(
        "getjwtcustomizer",
        call().path("tokenTypePath", "access-token"),
    )
    .await;
    s.same("listjwtcustomizers", call()).await;
    s.same(
        "testjwtcustomizer",
        call().body(json!({
            "tokenType": "access-token",
            "script": script,
            "environmentVariables": {},
            "token": {"jti": "e2e", "aud": "https://example.com/api", "scope": "read", "clientId": "e2e", "accountId": "e2e", "expiresWithSession": false, "grantId": "e2e", "gty": "authorization_code", "kind": "AccessToken"},
            "context": {"user": {"id": "e2e"}}
        })),
    )
    .await;
    s.both_reset(
        "deletejwtcustomizer",
        call().path("tokenTypePath", "access-token"),
        &[("PUT", at, Some(customizer.clone()))],
    )
    .await;
    s.same(
        "getjwtcustomizer",
        call().path("tokenTypePath", "access-token"),
    )
    .await;
    s.same("getidtokenconfig", call()).await;
    s.same(
        "upsertidtokenconfig",
        call().body(json!({"enabledExtendedClaims": ["roles", "organizations"]})),
    )
    .await;

    // ---- Connectors (none in this OSS build: Logto's answers pass through).
    s.same("listconnectors", call()).await;
    s.same("listconnectors", call().query("target", "email"))
        .await;
    s.same("listconnectorfactories", call()).await;
    s.same(
        "getconnectorfactory",
        call().path("id", "simple-mail-transfer-protocol"),
    )
    .await;
    s.same(
        "createconnector",
        call().body(json!({"connectorId": "simple-mail-transfer-protocol", "config": {}})),
    )
    .await;
    s.same("getconnector", call().path("id", "no-such-connector"))
        .await;
    s.same(
        "updateconnector",
        call()
            .path("id", "no-such-connector")
            .body(json!({"config": {}})),
    )
    .await;
    s.same("deleteconnector", call().path("id", "no-such-connector"))
        .await;
    s.same(
        "createconnectortest",
        call()
            .path("factoryId", "simple-mail-transfer-protocol")
            .body(json!({"email": "e2e@example.com", "config": {}})),
    )
    .await;
    s.same(
        "createconnectorauthorizationuri",
        call()
            .path("connectorId", "no-such-connector")
            .body(json!({"state": "e2e", "redirectUri": "https://example.com/callback"})),
    )
    .await;

    // ---- API resources (each side's indicator is its own: indicators are unique).
    s.swaps.push((
        format!("https://{tag}-gw.example.com/api"),
        format!("https://{tag}-direct.example.com/api"),
        "<indicator>".to_owned(),
    ));
    let api = s
        .create("createresource", "api resource", |side| {
            call().body(json!({
                "name": format!("{tag} api"),
                "indicator": format!("https://{tag}-{}.example.com/api", if side == Side::Gateway { "gw" } else { "direct" }),
                "accessTokenTtl": 3600
            }))
        })
        .await;
    s.cleanup.push(format!("/api/resources/{}", api.gateway));
    s.cleanup.push(format!("/api/resources/{}", api.direct));
    s.both("getresource", |side| call().path("id", api.on(side)))
        .await;
    s.both("updateresource", |side| {
        call()
            .path("id", api.on(side))
            .body(json!({"name": format!("{tag} api v2"), "accessTokenTtl": 7200}))
    })
    .await;
    s.both("updateresourceisdefault", |side| {
        call()
            .path("id", api.on(side))
            .body(json!({"isDefault": false}))
    })
    .await;
    let scope = s
        .create("createresourcescope", "scope", |side| {
            call()
                .path("resourceId", api.on(side))
                .body(json!({"name": "read:things", "description": "e2e"}))
        })
        .await;
    let _ = scope;
    s.both("listresourcescopes", |side| {
        call()
            .path("resourceId", api.on(side))
            .query("page", 1)
            .query("page_size", 5)
    })
    .await;
    s.both("listresourcescopes", |side| {
        call()
            .path("resourceId", api.on(side))
            .query("search.name", "read:%")
            .query("mode.name", "like")
    })
    .await;
    s.same(
        "listresources",
        call().query("page", 1).query("page_size", 3),
    )
    .await;
    s.same("listresources", call().query("includeScopes", "true"))
        .await;
    s.both("deleteresource", |side| call().path("id", api.on(side)))
        .await;
    s.both("getresource", |side| call().path("id", api.on(side)))
        .await;

    s.both("deleteapplication", |side| call().path("id", m2m.on(side)))
        .await;
}

async fn real_logto() -> Option<RealLogto> {
    RealLogto::find().await
}

/// The REST adapter: all 60 operations agree with Logto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_adapter_agrees_with_logto_on_every_operation() {
    let Some(logto) = real_logto().await else {
        return;
    };
    let _exclusive = logto.exclusive().await;
    let spec = spec::load();
    for op in &spec.exposed_rest {
        let consumed = &spec.consumed[&op.call];
        assert_eq!(
            (op.method.as_str(), op.path.as_str()),
            (consumed.method.as_str(), consumed.path.as_str()),
            "the REST adapter exposes Logto's routes as they are"
        );
    }
    let gateway = Gateway::start(&GatewayOptions::m2m(
        &logto.endpoint,
        &logto.app_id,
        &logto.app_secret,
    ))
    .await;
    let mut suite = Suite::new(
        &logto,
        Via::Rest {
            gateway,
            http: http_client(),
        },
    )
    .await;
    lifecycle(&mut suite).await;
    suite.finish(60).await;
}

/// The MCP adapter, through the official MCP Python SDK (protocol 2026-07-28): all 60 tools agree with Logto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_tools_agree_with_logto_through_the_python_sdk() {
    mcp_lifecycle("auto", "2026-07-28").await;
}

/// The same through the SDK's `initialize` handshake (protocol 2025-11-25).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_tools_agree_with_logto_through_the_python_sdk_in_legacy_mode() {
    mcp_lifecycle("legacy", "2025-11-25").await;
}

async fn mcp_lifecycle(mode: &str, protocol_version: &str) {
    let Some(logto) = real_logto().await else {
        return;
    };
    let _exclusive = logto.exclusive().await;
    let gateway = McpGateway::start(&GatewayOptions::m2m(
        &logto.endpoint,
        &logto.app_id,
        &logto.app_secret,
    ))
    .await;
    let Some(bridge) = McpBridge::connect(&gateway.mcp_url(), mode).await else {
        return;
    };
    assert_eq!(bridge.protocol_version, protocol_version);
    assert_eq!(bridge.tools.len(), 60, "tools/list: {:?}", bridge.tools);
    let mut suite = Suite::new(
        &logto,
        Via::Mcp {
            _gateway: Box::new(gateway),
            bridge,
        },
    )
    .await;
    lifecycle(&mut suite).await;
    suite.finish(60).await;
}

/// A wrong M2M secret: a clear error naming the cause, without the secret.
#[tokio::test]
async fn a_wrong_m2m_secret_is_named_without_the_secret() {
    let Some(logto) = real_logto().await else {
        return;
    };
    let wrong = "e2e-wrong-secret-7f3a9c";
    let gateway = Gateway::start(&GatewayOptions::m2m(&logto.endpoint, &logto.app_id, wrong)).await;
    let a = send(
        &http_client(),
        "GET",
        &gateway.at("/api/applications"),
        None,
        None,
    )
    .await;
    assert_eq!(a.status, 502, "{a:?}");
    let body = a.json().expect("a JSON problem");
    assert_eq!(body["code"], "gateway.upstream_auth", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("token endpoint answered 401"),
        "the cause is named: {message}"
    );
    assert!(!message.contains(wrong), "no secret in {message}");
    assert!(
        !message.contains(&logto.app_secret),
        "no secret in {message}"
    );
}

/// Tokens are refreshed before they expire, while callers keep calling, without a failed call: the gateway's
/// token endpoint is a counting pass-through to Logto's, and its refresh margin leaves each token 2 s of use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_m2m_token_is_refreshed_before_expiry_without_a_failed_call() {
    let Some(logto) = real_logto().await else {
        return;
    };
    let fetched = Arc::new(AtomicUsize::new(0));
    let counter = token_counter(&logto.token_endpoint, fetched.clone()).await;
    let mut config =
        GatewayOptions::m2m(&logto.endpoint, &logto.app_id, &logto.app_secret).config();
    let Auth::ClientCredentials(creds) = &mut config.transport.auth else {
        panic!("M2M credentials give client credentials");
    };
    creds.token_url = counter;
    // Logto's tokens live 3600 s: refreshed 2 s after each is fetched.
    creds.refresh_margin = Duration::from_secs(3598);
    let gateway = Gateway::start_with_config(config).await;
    let http = http_client();
    let start = Instant::now();
    let mut calls = 0;
    while start.elapsed() < Duration::from_millis(5500) {
        let url = gateway.at("/api/applications?page_size=1");
        let batch = (0..4).map(|_| send(&http, "GET", &url, None, None));
        for a in futures_util::future::join_all(batch).await {
            assert_eq!(a.status, 200, "{a:?}");
            calls += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let n = fetched.load(Ordering::SeqCst);
    assert!(
        (3..=4).contains(&n),
        "{n} tokens fetched for {calls} calls over 5.5 s at one refresh per 2 s"
    );
}

/// A pass-through to `token_endpoint` that counts the tokens fetched through it; its URL.
async fn token_counter(token_endpoint: &str, fetched: Arc<AtomicUsize>) -> String {
    use axum::extract::State;
    use axum::http::HeaderMap;
    let upstream = token_endpoint.to_owned();
    let app = axum::Router::new()
        .route(
            "/token",
            axum::routing::post(
                |State((fetched, upstream)): State<(Arc<AtomicUsize>, String)>,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    fetched.fetch_add(1, Ordering::SeqCst);
                    let mut req = http_client().post(upstream).body(body);
                    for name in ["authorization", "content-type"] {
                        if let Some(v) = headers.get(name) {
                            req = req.header(name, v);
                        }
                    }
                    let resp = req.send().await.expect("Logto's token endpoint");
                    let status = resp.status();
                    let bytes = resp.bytes().await.expect("the token answer");
                    (status, [("content-type", "application/json")], bytes)
                },
            ),
        )
        .with_state((fetched, upstream));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the token counter");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/token")
}
