//! Conformance against Logto's own OpenAPI document: every exposed REST operation whose upstream path and method exist
//! in `tests/fixtures/logto-management-openapi-2025-01.json` (56 of the spec's 60) is sent through the real gateway
//! binary to Stoplight Prism serving that document with `--errors`, and Prism must accept what the gateway sends.
//!
//! ```text
//! test ──HTTP──▶ logto-gateway (child process) ──HTTP──▶ recorder (in-process) ──HTTP──▶ prism mock --errors (child)
//! ```
//!
//! The recorder is a transparent pass-through: the gateway keeps only the status, the body and the pagination headers
//! of an upstream answer, so Prism's verdict (its `sl-violations` header) is read on the wire between the two, where
//! the exact request the gateway produced is also visible.
//!
//! What Prism (5.x) does, and what this test relies on:
//! - It matches paths relative to `servers[].url`; the document's server is `https://[tenant_id].logto.app/`, whose
//!   base path is `/`, so the document's paths (`/api/...`) are served as they are.
//! - A request that does not match the document is answered with a 4xx and an `sl-violations` header: a JSON array of
//!   `{location: ["request", "path"|"query"|"body"|…], severity, code, message}`. Missing or wrong credentials give 401
//!   (`Invalid security scheme used`): the document's `OAuth2` scheme is satisfied by any `Authorization: Bearer <x>`.
//!   A wrong enum value in a path gives 400, bad query values 400, bad or missing bodies 422 (415 as a code inside a 422
//!   for a wrong content type). The body of these answers is empty.
//! - An unknown path gives 404, an unknown method 405, both without `sl-violations` (a problem+json body instead).
//! - With `--errors`, Prism also validates its *own* mock response, and many of its responses for this document do not
//!   satisfy the document (e.g. `format: url` strings, `oneOf`s whose branches differ only by formats Prism does not
//!   know): those give a 500 whose `sl-violations` all have `location[0] == "response"`. That is a verdict on Prism's
//!   mock, not on the request, and counts as accepted (the request passed validation first); such cases are listed.
//! - Unknown string formats (Logto's literals such as `format: "\"true\""`) are ignored by Prism's validator, so a
//!   `oneOf` of two strings that differ only by such a format matches any string twice and can never be satisfied.
//!
//! Prism is installed into `tests/.prism/` by `bash tests/prism/install.sh` (which `cargo xtask test` runs). Without it
//! the test fails in CI (`CI=true`) or with `PRISM_REQUIRED=1`, and is skipped (with a message) otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::bin::gateway_command;
use crate::support::free_port;
use crate::support::process::Process;
use crate::support::spec::{self, encode_segment, placeholders};
use e2e_tests::mock::form_pairs;
use serde_json::{Value as Json, json};

const DOC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/logto-management-openapi-2025-01.json"
);
const PRISM_BIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/.prism/node_modules/.bin/prism"
);
const TOKEN: &str = "prism-conformance-token";

/// The exposed operations whose upstream path is not in the document (`/api/configs/oidc/session` would be matched
/// by Prism as `/api/configs/oidc/{keyType}` and rejected on the enum: it is excluded by name, not by Prism).
const NOT_IN_DOCUMENT: [&str; 4] = [
    "getidtokenconfig",
    "getoidcsessionconfig",
    "updateoidcsessionconfig",
    "upsertidtokenconfig",
];

/// Query parameters the spec declares for which no value can pass Prism (see the module docs), as `operation.param`.
const UNSATISFIABLE_QUERY: [&str; 1] = ["listapplications.isThirdParty"];

// ---------------------------------------------------------------------------------------------------------------
// The spec's REST operations (read by `support::spec`).

/// One exposed REST operation and the consumed operation it calls.
#[derive(Debug, Clone)]
struct Op {
    name: String,
    method: String,
    rest_path: String,
    /// Consumed parameter → exposed input (`with: {param: rest.input}`; identity when absent).
    inputs: BTreeMap<String, String>,
    upstream_method: String,
    upstream_path: String,
    /// Query parameters of the consumed operation: (name, spec type).
    query: Vec<(String, String)>,
}

/// The spec's exposed REST operations, each with the consumed operation it calls.
fn operations() -> Vec<Op> {
    let spec = spec::load();
    assert_eq!(spec.repairs, 4, "the spec's `with:` dialect repairs");
    spec.exposed_rest
        .iter()
        .map(|e| {
            let consumed = &spec.consumed[&e.call];
            let query: Vec<(String, String)> = consumed
                .params
                .iter()
                .filter(|p| p.location == "query")
                .map(|p| (p.name.clone(), p.ty.clone()))
                .collect();
            let inputs = placeholders(&consumed.path)
                .into_iter()
                .chain(query.iter().map(|(q, _)| q.clone()))
                .map(|p| {
                    let input = e.source(&p).unwrap_or_else(|literal| {
                        panic!(
                            "{}: `{p}` is bound to the literal `{literal}`, not a `rest.` input",
                            e.name
                        )
                    });
                    (p, input)
                })
                .collect();
            Op {
                name: e.name.clone(),
                method: e.method.to_ascii_uppercase(),
                rest_path: e.path.clone(),
                inputs,
                upstream_method: consumed.method.to_ascii_uppercase(),
                upstream_path: consumed.path.clone(),
                query,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// The OpenAPI document: references, validation of values against its schemas, and value synthesis.

fn load_document() -> Json {
    serde_json::from_str(&std::fs::read_to_string(DOC_PATH).expect("read the OpenAPI document"))
        .expect("the OpenAPI document is JSON")
}

fn doc_operation<'a>(doc: &'a Json, op: &Op) -> Option<&'a Json> {
    doc["paths"]
        .get(&op.upstream_path)?
        .get(op.upstream_method.to_ascii_lowercase())
}

/// Follows `$ref`s (local JSON pointers).
fn resolve<'a>(doc: &'a Json, mut v: &'a Json) -> &'a Json {
    for _ in 0..32 {
        match v.get("$ref").and_then(Json::as_str) {
            Some(r) => {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("non-local $ref {r}"));
                v = doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}"));
            }
            None => return v,
        }
    }
    panic!("$ref cycle");
}

/// The document's parameters of an operation (path-item level and operation level), resolved.
fn doc_parameters<'a>(doc: &'a Json, op: &Op) -> Vec<&'a Json> {
    let item = &doc["paths"][&op.upstream_path];
    let mut out: Vec<&Json> = Vec::new();
    let lists = [
        item.get("parameters"),
        doc_operation(doc, op).and_then(|o| o.get("parameters")),
    ];
    for p in lists
        .into_iter()
        .flatten()
        .filter_map(Json::as_array)
        .flatten()
    {
        let p = resolve(doc, p);
        out.retain(|q| !(q["name"] == p["name"] && q["in"] == p["in"]));
        out.push(p);
    }
    out
}

/// Whether `v` satisfies `schema` as Prism's validator (ajv, with ajv-formats) sees it: the schema is read as JSON
/// Schema (see [`json_schema`]) and checked by the `jsonschema` crate, formats included. Formats neither knows —
/// Logto's literals such as `format: "\"true\""` — are ignored.
fn valid(doc: &Json, schema: &Json, v: &Json) -> bool {
    let schema = json_schema(doc, schema, 0);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_format("url", is_url)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the document's schema {schema} is not valid JSON Schema: {e}"))
        .is_valid(v)
}

/// An OpenAPI 3.0 schema of the document as a JSON Schema that stands on its own: each `$ref` replaced by what it
/// points to, `nullable: true` as an `anyOf` with `{"type": "null"}`, and a `format` that is not a string (Logto
/// writes some literals so) left out.
fn json_schema(doc: &Json, schema: &Json, depth: usize) -> Json {
    assert!(depth < 64, "a $ref cycle in {schema}");
    let s = resolve(doc, schema);
    let Some(m) = s.as_object() else {
        return s.clone();
    };
    let sub = |v: &Json| json_schema(doc, v, depth + 1);
    let mut out = serde_json::Map::new();
    for (k, v) in m {
        let converted = match (k.as_str(), v) {
            ("nullable", _) => continue,
            ("format", f) if !f.is_string() => continue,
            ("properties", Json::Object(props)) => Json::Object(
                props
                    .iter()
                    .map(|(name, p)| (name.clone(), sub(p)))
                    .collect(),
            ),
            ("items" | "additionalProperties" | "not", Json::Object(_)) => sub(v),
            ("oneOf" | "anyOf" | "allOf", Json::Array(branches)) => {
                Json::Array(branches.iter().map(sub).collect())
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), converted);
    }
    if s["nullable"] == json!(true) {
        json!({"anyOf": [out, {"type": "null"}]})
    } else {
        Json::Object(out)
    }
}

/// ajv-formats' `url`: an absolute `http`, `https` or `ftp` URL with a host, without white space. (`jsonschema`
/// knows `uri`, which the document does not use, but not `url`.)
fn is_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, rest)| {
        ["http", "https", "ftp"]
            .iter()
            .any(|known| scheme.eq_ignore_ascii_case(known))
            && rest
                .split(['/', '?', '#'])
                .next()
                .is_some_and(|host| !host.is_empty())
    }) && !s.contains(char::is_whitespace)
}

/// A string for `hint` that satisfies a string schema's literal/format/length constraints.
fn string_for(s: &Json, hint: &str) -> String {
    let format = s.get("format").and_then(Json::as_str).unwrap_or("");
    let mut out = if let Some(lit) = format.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        // Logto's encoding of a string literal type.
        return lit.to_owned();
    } else {
        match format {
            "url" | "uri" => format!("https://ci.example.com/{hint}"),
            "email" => "ci@example.com".to_owned(),
            "date-time" => "2025-01-01T00:00:00Z".to_owned(),
            "regex" => "^ci$".to_owned(),
            "empty" => String::new(),
            _ => hint.to_owned(),
        }
    };
    let min = s.get("minLength").and_then(Json::as_u64).unwrap_or(0) as usize;
    while out.chars().count() < min {
        out.push('x');
    }
    if let Some(max) = s.get("maxLength").and_then(Json::as_u64) {
        out = out.chars().take(max as usize).collect();
    }
    out
}

/// A realistic text for a property or parameter name.
fn hint_for(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("uri") || lower.ends_with("url") || lower == "indicator" || lower == "origin"
    {
        format!("https://ci.example.com/{name}")
    } else if lower == "domain" {
        "auth.ci.example.com".to_owned()
    } else if lower.starts_with("include") {
        // Logto reads these as truthy flags.
        "true".to_owned()
    } else {
        format!("ci-{name}")
    }
}

/// The hint for a path parameter: as for other names, except that a secret's `name` is free text, so it gets one
/// that needs percent-encoding (which Prism must decode back to a valid value).
fn path_hint(name: &str) -> String {
    if name == "name" {
        "ci secret 1".to_owned()
    } else {
        hint_for(name)
    }
}

/// Candidate values for a schema, preferred first: the document's `example`, else a minimal instance (required
/// properties only, the first enum value, a literal/format-conforming string, the minimum number, …); `oneOf`/`anyOf`
/// candidates are kept only if they satisfy exactly one/at least one branch.
fn candidates(doc: &Json, schema: &Json, hint: &str, depth: usize) -> Vec<Json> {
    assert!(depth < 24, "schema too deep at {hint}");
    let s = resolve(doc, schema);
    if let Some(ex) = s.get("example") {
        return vec![ex.clone()];
    }
    let mut out = Vec::new();
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(branches) = s.get(key).and_then(Json::as_array) {
            for b in branches {
                for c in candidates(doc, b, hint, depth + 1) {
                    let n = branches.iter().filter(|b| valid(doc, b, &c)).count();
                    if (exactly_one && n == 1) || (!exactly_one && n >= 1) {
                        out.push(c);
                    }
                }
            }
            return out;
        }
    }
    if let Some(parts) = s.get("allOf").and_then(Json::as_array) {
        let mut merged = serde_json::Map::new();
        for p in parts {
            match candidates(doc, p, hint, depth + 1).into_iter().next() {
                Some(Json::Object(m)) => merged.extend(m),
                Some(other) => return vec![other],
                None => return vec![],
            }
        }
        return vec![Json::Object(merged)];
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Json::as_array)
        .and_then(|e| e.first())
    {
        out.push(first.clone());
    } else {
        let ty = s
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or(if s.get("properties").is_some() {
                "object"
            } else {
                "string"
            });
        match ty {
            "object" => {
                let mut m = serde_json::Map::new();
                let props = s.get("properties").and_then(Json::as_object);
                for r in s
                    .get("required")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().expect("required names are strings");
                    let v = match props.and_then(|p| p.get(r)) {
                        Some(ps) => candidates(doc, ps, &hint_for(r), depth + 1)
                            .into_iter()
                            .next(),
                        None => Some(json!(hint_for(r))),
                    };
                    match v {
                        Some(v) => m.insert(r.to_owned(), v),
                        None => return vec![],
                    };
                }
                out.push(Json::Object(m));
            }
            "array" => {
                let item = s
                    .get("items")
                    .and_then(|i| candidates(doc, i, hint, depth + 1).into_iter().next());
                let min = s.get("minItems").and_then(Json::as_u64).unwrap_or(0).max(1) as usize;
                if let Some(item) = item {
                    out.push(Json::Array(vec![item; min]));
                }
                out.push(json!([]));
            }
            "integer" => out.push(json!(
                s.get("minimum").and_then(Json::as_i64).unwrap_or(1).max(1)
            )),
            "number" => out.push(json!(
                s.get("minimum")
                    .and_then(Json::as_f64)
                    .unwrap_or(1.0)
                    .max(1.0)
            )),
            "boolean" => out.push(json!(true)),
            _ => out.push(json!(string_for(s, hint))),
        }
    }
    if s["nullable"] == json!(true) {
        out.push(Json::Null);
    }
    out.retain(|c| valid(doc, s, c));
    out
}

/// A valid instance of a schema, if one can be built.
fn synthesize(doc: &Json, schema: &Json, hint: &str) -> Option<Json> {
    candidates(doc, schema, hint, 0)
        .into_iter()
        .find(|c| valid(doc, schema, c))
}

/// The text form of a scalar value for a path or query parameter, if the parameter's schema admits it as Prism
/// reads parameters (strings, coerced to the schema's scalar type).
fn parameter_value(doc: &Json, schema: &Json, hint: &str) -> Option<String> {
    let s = resolve(doc, schema);
    let scalar = |v: &Json| match v {
        Json::String(x) => Some(x.clone()),
        Json::Number(_) | Json::Bool(_) => Some(v.to_string()),
        _ => None,
    };
    let text = candidates(doc, s, hint, 0).iter().find_map(scalar)?;
    // Re-check the text as Prism sees it: a string, or the schema's scalar type.
    let as_seen = match s.get("type").and_then(Json::as_str) {
        Some("integer" | "number" | "boolean") => serde_json::from_str(&text).ok()?,
        _ => Json::String(text.clone()),
    };
    valid(doc, s, &as_seen).then_some(text)
}

/// The JSON request body the document asks for, as text: a media-type example if any, else a synthesized instance.
fn body_for(doc: &Json, operation: &Json, name: &str) -> Result<Option<String>, String> {
    let Some(rb) = operation.get("requestBody").map(|r| resolve(doc, r)) else {
        return Ok(None);
    };
    let Some(media) = rb["content"].get("application/json") else {
        return Err(format!(
            "{name}: request body without application/json: {rb}"
        ));
    };
    let value = if let Some(ex) = media.get("example") {
        ex.clone()
    } else if let Some(ex) = media
        .get("examples")
        .and_then(Json::as_object)
        .and_then(|m| m.values().next())
        .map(|e| resolve(doc, e))
        .and_then(|e| e.get("value"))
    {
        ex.clone()
    } else {
        let schema = media.get("schema").cloned().unwrap_or(json!({}));
        synthesize(doc, &schema, name)
            .ok_or_else(|| format!("{name}: no valid body for schema {schema}"))?
    };
    Ok(Some(value.to_string()))
}

// ---------------------------------------------------------------------------------------------------------------
// Requests.

/// One operation's request, and what the upstream must receive for it.
#[derive(Debug)]
struct Case {
    op: Op,
    /// Path and query sent to the gateway.
    target: String,
    body: Option<String>,
    /// The upstream path's segments, decoded.
    upstream_segments: Vec<String>,
    upstream_query: Vec<(String, String)>,
    /// Declared query parameters left out, as `operation.param`.
    skipped_query: Vec<String>,
}

fn build_case(doc: &Json, op: &Op) -> Result<Case, String> {
    let operation =
        doc_operation(doc, op).ok_or_else(|| format!("{}: not in the document", op.name))?;
    let params = doc_parameters(doc, op);
    let param = |name: &str, location: &str| {
        params
            .iter()
            .find(|p| p["name"] == name && p["in"] == location)
            .copied()
    };
    // Path: a value per consumed placeholder, sent through the exposed input bound to it.
    let mut rest_path = op.rest_path.clone();
    let mut upstream_segments = Vec::new();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for p in placeholders(&op.upstream_path) {
        let dp = param(&p, "path")
            .ok_or_else(|| format!("{}: path parameter `{p}` not in the document", op.name))?;
        let value = parameter_value(doc, &dp["schema"], &path_hint(&p))
            .ok_or_else(|| format!("{}: no valid value for path parameter `{p}`", op.name))?;
        values.insert(p.clone(), value.clone());
        let input = &op.inputs[&p];
        rest_path = rest_path.replace(&format!("{{{input}}}"), &encode_segment(&value));
    }
    for seg in op.upstream_path.split('/') {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(p) => upstream_segments.push(values[p].clone()),
            None => upstream_segments.push(seg.to_owned()),
        }
    }
    assert!(
        !rest_path.contains('{'),
        "{}: unfilled exposed path {rest_path}",
        op.name
    );
    // Query: every declared parameter with a value the document admits.
    let mut sent: Vec<(String, String)> = Vec::new();
    let mut upstream_query = Vec::new();
    let mut skipped_query = Vec::new();
    for (q, ty) in &op.query {
        let Some(dp) = param(q, "query") else {
            skipped_query.push(format!("{}.{q}", op.name));
            continue;
        };
        let input = &op.inputs[q];
        if ty == "object" {
            // Form-exploded entries (Logto's `search.<field>=…`).
            let entry = ("search.name".to_owned(), "ci".to_owned());
            if !valid(doc, &dp["schema"], &json!({ &entry.0: &entry.1 })) {
                skipped_query.push(format!("{}.{q}", op.name));
                continue;
            }
            sent.push(entry.clone());
            upstream_query.push(entry);
        } else {
            match parameter_value(doc, &dp["schema"], &hint_for(q)) {
                Some(v) => {
                    sent.push((input.clone(), v.clone()));
                    upstream_query.push((q.clone(), v));
                }
                None => skipped_query.push(format!("{}.{q}", op.name)),
            }
        }
    }
    let mut target = rest_path;
    if !sent.is_empty() {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &sent {
            ser.append_pair(k, v);
        }
        target = format!("{target}?{}", ser.finish());
    }
    let body = if matches!(op.method.as_str(), "POST" | "PUT" | "PATCH") {
        body_for(doc, operation, &op.name)?
    } else {
        None
    };
    Ok(Case {
        op: op.clone(),
        target,
        body,
        upstream_segments,
        upstream_query,
        skipped_query,
    })
}

/// The exposed operations, split into those the document has (by exact path template and method) and those it
/// has not.
fn select(doc: &Json) -> (Vec<Op>, Vec<Op>) {
    let ops = operations();
    assert_eq!(ops.len(), 60, "exposed REST operations in the spec");
    for op in &ops {
        assert_eq!(
            op.method, op.upstream_method,
            "{}: exposed and consumed methods",
            op.name
        );
    }
    ops.into_iter()
        .partition(|op| doc_operation(doc, op).is_some())
}

#[test]
fn the_document_covers_56_of_the_60_operations() {
    let doc = load_document();
    let (present, absent) = select(&doc);
    let absent: BTreeSet<&str> = absent.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        absent,
        BTreeSet::from(NOT_IN_DOCUMENT),
        "operations whose path/method the document lacks"
    );
    assert_eq!(present.len(), 56);
    // Every case can be built, and the query parameters left out are exactly the known unsatisfiable ones.
    let mut skipped = BTreeSet::new();
    for op in &present {
        let case = build_case(&doc, op).unwrap_or_else(|e| panic!("{e}"));
        skipped.extend(case.skipped_query);
    }
    assert_eq!(
        skipped,
        UNSATISFIABLE_QUERY
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>(),
        "query parameters without a valid value"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The recorder between the gateway and Prism.

#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    target: String,
    authorization: Vec<String>,
    content_type: Option<String>,
    body: Vec<u8>,
    status: u16,
    violations: Option<String>,
    response: String,
}

struct Recorder {
    client: reqwest::Client,
    upstream: String,
    log: Mutex<Vec<Exchange>>,
}

const HOP_BY_HOP: [&str; 5] = [
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
];

async fn relay(
    axum::extract::State(rec): axum::extract::State<Arc<Recorder>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut headers = parts.headers.clone();
    for h in HOP_BY_HOP {
        headers.remove(h);
    }
    let header_all = |name: &str| -> Vec<String> {
        parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    let mut ex = Exchange {
        method: parts.method.to_string(),
        target: target.clone(),
        authorization: header_all("authorization"),
        content_type: header_all("content-type").into_iter().next(),
        body: body.to_vec(),
        status: 0,
        violations: None,
        response: String::new(),
    };
    let sent = rec
        .client
        .request(parts.method.clone(), format!("{}{target}", rec.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let response = match sent {
        Ok(r) => {
            let status = r.status();
            let mut headers = r.headers().clone();
            let bytes = r.bytes().await.unwrap_or_default();
            ex.status = status.as_u16();
            ex.violations = headers
                .get("sl-violations")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            ex.response = String::from_utf8_lossy(&bytes).into_owned();
            for h in HOP_BY_HOP {
                headers.remove(h);
            }
            let mut resp = axum::response::Response::new(axum::body::Body::from(bytes));
            *resp.status_mut() = status;
            *resp.headers_mut() = headers;
            resp
        }
        Err(e) => {
            ex.response = format!("recorder: cannot reach Prism: {e}");
            let mut resp =
                axum::response::Response::new(axum::body::Body::from(ex.response.clone()));
            *resp.status_mut() = axum::http::StatusCode::BAD_GATEWAY;
            resp
        }
    };
    rec.log.lock().unwrap().push(ex);
    response
}

// ---------------------------------------------------------------------------------------------------------------
// Verdicts.

enum Verdict {
    Accepted,
    /// The request passed; only Prism's own mock response failed the document.
    AcceptedMockResponseInvalid(String),
    Rejected(String),
}

fn verdict(ex: &Exchange) -> Verdict {
    let violations: Vec<Json> = match &ex.violations {
        None => Vec::new(),
        Some(text) => match serde_json::from_str::<Json>(text) {
            Ok(Json::Array(v)) => v,
            _ => {
                return Verdict::Rejected(format!(
                    "status {}, unreadable sl-violations: {text}",
                    ex.status
                ));
            }
        },
    };
    let describe = |vs: &[&Json]| {
        vs.iter()
            .map(|v| {
                let loc: Vec<String> = v["location"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_owned))
                    .collect();
                format!(
                    "[{}] {} ({}, code {})",
                    loc.join("."),
                    v["message"],
                    v["severity"],
                    v["code"]
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let on_request: Vec<&Json> = violations
        .iter()
        .filter(|v| v["location"].get(0).and_then(Json::as_str) != Some("response"))
        .collect();
    if !on_request.is_empty() {
        return Verdict::Rejected(format!("Prism {}: {}", ex.status, describe(&on_request)));
    }
    let all: Vec<&Json> = violations.iter().collect();
    match ex.status {
        s if s < 400 && all.is_empty() => Verdict::Accepted,
        s if (s < 400 || s == 500) && !all.is_empty() => {
            Verdict::AcceptedMockResponseInvalid(describe(&all))
        }
        s => Verdict::Rejected(format!("Prism {s} without violations: {}", ex.response)),
    }
}

/// Differences between what the gateway sent upstream and what it should have sent: gateway bugs.
fn upstream_mismatches(case: &Case, ex: &Exchange) -> Vec<String> {
    let mut out = Vec::new();
    if ex.method != case.op.upstream_method {
        out.push(format!(
            "method {}, expected {}",
            ex.method, case.op.upstream_method
        ));
    }
    let (raw_path, raw_query) = ex.target.split_once('?').unwrap_or((&ex.target, ""));
    let decoded: Option<Vec<String>> = raw_path
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .ok()
                .map(|s| s.into_owned())
        })
        .collect();
    if decoded.as_ref() != Some(&case.upstream_segments) {
        out.push(format!(
            "path {raw_path}, expected the segments {:?} (each value percent-encoded as one segment)",
            case.upstream_segments
        ));
    }
    let mut expected_query = case.upstream_query.clone();
    expected_query.sort();
    let mut query = form_pairs(raw_query);
    query.sort();
    if query != expected_query {
        out.push(format!(
            "query of {}, expected the pairs {expected_query:?}",
            ex.target
        ));
    }
    if ex.authorization != [format!("Bearer {TOKEN}")] {
        out.push(format!("Authorization {:?}", ex.authorization));
    }
    match &case.body {
        Some(b) => {
            if ex.body != b.as_bytes() {
                out.push(format!(
                    "body {:?}, expected {b:?}",
                    String::from_utf8_lossy(&ex.body)
                ));
            }
            if ex.content_type.as_deref() != Some("application/json") {
                out.push(format!("content type {:?}", ex.content_type));
            }
        }
        None if !ex.body.is_empty() => {
            out.push(format!(
                "body {:?}, expected none",
                String::from_utf8_lossy(&ex.body)
            ));
        }
        None => {}
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------

/// Whether Prism is installed; `false` (skip) when it is missing outside CI (see [`e2e_tests::required`]).
fn prism_installed() -> bool {
    if Path::new(PRISM_BIN).is_file() {
        return true;
    }
    e2e_tests::required(
        "PRISM_REQUIRED",
        &format!(
            "{PRISM_BIN} is missing: run `bash tests/prism/install.sh` (or `cargo xtask test`) to install Stoplight Prism"
        ),
    );
    false
}

#[test]
fn prism_accepts_every_request_the_gateway_sends() {
    if !prism_installed() {
        return;
    }
    let started = Instant::now();
    let doc = load_document();
    let (present, absent) = select(&doc);
    let absent: BTreeSet<&str> = absent.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        absent,
        BTreeSet::from(NOT_IN_DOCUMENT),
        "operations whose path/method the document lacks"
    );
    let cases: Vec<Case> = present
        .iter()
        .map(|op| build_case(&doc, op).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(cases.len(), 56, "operations to drive");

    let prism_port = free_port();
    let mut prism_process = Process::spawn(
        "prism",
        Command::new(PRISM_BIN)
            .args(["mock", "-h", "127.0.0.1", "-p"])
            .arg(prism_port.to_string())
            .args(["--errors", "-v", "warn", DOC_PATH]),
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client");
        let prism = format!("http://127.0.0.1:{prism_port}");
        prism_process.wait_http(&client, &prism, Duration::from_secs(40)).await;

        let recorder = Arc::new(Recorder {
            client: client.clone(),
            upstream: prism.clone(),
            log: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the recorder");
        let recorder_url = format!("http://{}", listener.local_addr().expect("recorder address"));
        let app = axum::Router::new().fallback(relay).with_state(recorder.clone());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let gw_port = free_port();
        let mut gateway_process = Process::spawn(
            "gateway",
            gateway_command(&["serve", "--logto-endpoint", &recorder_url, "--rest-port", &gw_port.to_string()])
                .env("LOGTO_TOKEN", TOKEN)
                .env("RUST_LOG", "info"),
        );
        let gateway = format!("http://127.0.0.1:{gw_port}");
        gateway_process.wait_http(&client, &gateway, Duration::from_secs(20)).await;
        let logs = || format!("{}\n{}", prism_process.tail(), gateway_process.tail());

        let mut rejected: Vec<String> = Vec::new();
        let mut gateway_bugs: Vec<String> = Vec::new();
        let mut mock_invalid: Vec<String> = Vec::new();
        let mut accepted = 0;
        let mut with_body = 0;
        let mut with_query = 0;
        for case in &cases {
            let op = &case.op;
            let label = format!("{} {} ({})", op.method, op.rest_path, op.name);
            let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("a method");
            let mut req = client.request(method, format!("{gateway}{}", case.target));
            if let Some(b) = &case.body {
                req = req.header("content-type", "application/json").body(b.clone());
                with_body += 1;
            }
            with_query += usize::from(case.target.contains('?'));
            let resp = req.send().await.unwrap_or_else(|e| panic!("{label}: {e}\n{}", logs()));
            let gw_status = resp.status().as_u16();
            let gw_body = resp.text().await.unwrap_or_default();
            let exchanges = std::mem::take(&mut *recorder.log.lock().unwrap());
            let [ex] = exchanges.as_slice() else {
                let what = format!(
                    "{label}: GATEWAY BUG? sent `{} {}` body {:?}; the gateway answered {gw_status} {gw_body} and \
                     made {} upstream requests: {exchanges:?}",
                    op.method,
                    case.target,
                    case.body,
                    exchanges.len()
                );
                gateway_bugs.push(what.clone());
                rejected.push(what);
                continue;
            };
            let sent = format!(
                "upstream `{} {}`{}",
                ex.method,
                ex.target,
                case.body.as_ref().map(|b| format!(" body {b}")).unwrap_or_default()
            );
            let mismatches = upstream_mismatches(case, ex);
            if !mismatches.is_empty() {
                gateway_bugs.push(format!("{label}: GATEWAY BUG: {sent}: {}", mismatches.join("; ")));
            }
            if gw_status != ex.status {
                gateway_bugs.push(format!(
                    "{label}: GATEWAY BUG: Prism answered {}, the gateway {gw_status} ({gw_body})",
                    ex.status
                ));
            }
            let cause = if mismatches.is_empty() { "" } else { " [caused by the gateway bug above]" };
            match verdict(ex) {
                Verdict::Accepted => {
                    accepted += 1;
                    eprintln!("accepted  {:>3}  {label}: {sent}", ex.status);
                }
                Verdict::AcceptedMockResponseInvalid(v) => {
                    accepted += 1;
                    eprintln!("accepted  {:>3}  {label}: {sent} (Prism's mock response is invalid)", ex.status);
                    mock_invalid.push(format!("{label}: {v}"));
                }
                Verdict::Rejected(why) => {
                    eprintln!("REJECTED  {:>3}  {label}: {sent}{cause}: {why}", ex.status);
                    rejected.push(format!("{label}{cause}: {sent}: {why}"));
                }
            }
        }

        // Controls: the same path must see Prism's rejections, or "accepted" would mean nothing.
        let mut control_failures: Vec<String> = Vec::new();
        let controls: [(&str, &str, Option<&str>, &str); 3] = [
            // A body without the required `name` and `type`.
            ("POST", "/api/applications", Some("{}"), "required property 'name'"),
            // Not in the document: Prism matches `/api/configs/oidc/{keyType}` and rejects the enum.
            ("GET", "/api/configs/oidc/session", None, "allowed values: private-keys, cookie-keys"),
            // A query value below the document's minimum.
            ("GET", "/api/resources?page=0", None, "page must be >= 1"),
        ];
        for (method, target, body, expected) in controls {
            let mut req = client.request(reqwest::Method::from_bytes(method.as_bytes()).expect("a method"), format!("{gateway}{target}"));
            if let Some(b) = body {
                req = req.header("content-type", "application/json").body(b);
            }
            let status = req.send().await.map(|r| r.status().as_u16());
            let exchanges = std::mem::take(&mut *recorder.log.lock().unwrap());
            match (status, exchanges.as_slice()) {
                (Ok(s), [ex]) if s == ex.status => match verdict(ex) {
                    Verdict::Rejected(why) if why.contains(expected) => {
                        eprintln!("control   {s:>3}  {method} {target}: rejected as expected: {why}");
                    }
                    Verdict::Rejected(why) => control_failures.push(format!("control {method} {target}: rejected, but not for `{expected}`: {why}")),
                    _ => control_failures.push(format!("control {method} {target}: Prism accepted it ({})", ex.status)),
                },
                (status, exchanges) => control_failures.push(format!("control {method} {target}: gateway {status:?}, upstream {exchanges:?}")),
            }
        }
        // Without credentials Prism answers 401: the gateway's `Authorization: Bearer …` is what passes the
        // document's OAuth2 security requirement.
        let direct = client.get(format!("{prism}/api/resources")).send().await.expect("Prism answers");
        let unauthenticated = (direct.status().as_u16(), direct.headers().get("sl-violations").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()));
        if unauthenticated.0 != 401 || !unauthenticated.1.as_deref().is_some_and(|v| v.contains("Invalid security scheme")) {
            control_failures.push(format!("control: Prism without Authorization answered {unauthenticated:?}, expected 401"));
        }
        server.abort();

        eprintln!(
            "\n{} operations driven ({with_body} with a JSON body, {with_query} with query parameters), {accepted} \
             accepted by Prism, {} rejected, {} gateway bugs; excluded (not in the document): {:?}; query \
             parameters left out (no value can pass Prism): {:?}; {:.1}s",
            cases.len(),
            rejected.len(),
            gateway_bugs.len(),
            NOT_IN_DOCUMENT,
            UNSATISFIABLE_QUERY,
            started.elapsed().as_secs_f64()
        );
        if !mock_invalid.is_empty() {
            eprintln!(
                "{} operations where only Prism's own mock response failed the document (not a request problem):\n  {}",
                mock_invalid.len(),
                mock_invalid.join("\n  ")
            );
        }
        let mut report = String::new();
        if !control_failures.is_empty() {
            report.push_str(&format!("{} control failures:\n  {}\n", control_failures.len(), control_failures.join("\n  ")));
        }
        if !gateway_bugs.is_empty() {
            report.push_str(&format!("{} gateway bugs:\n  {}\n", gateway_bugs.len(), gateway_bugs.join("\n  ")));
        }
        if !rejected.is_empty() {
            report.push_str(&format!(
                "{} of {} operations rejected by Prism:\n  {}\n",
                rejected.len(),
                cases.len(),
                rejected.join("\n  ")
            ));
        }
        assert!(report.is_empty(), "{report}\n{}", logs());
        assert_eq!(accepted, 56, "operations accepted");
    });
}
