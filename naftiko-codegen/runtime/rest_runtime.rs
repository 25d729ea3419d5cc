//! Runtime support for generated axum REST adapters: query parsing by type, body checks, errors as JSON, and the
//! mapping of upstream results to HTTP responses.
//!
//! This file is part of the compiler (`naftiko-codegen/runtime/rest_runtime.rs`) and is written next to every
//! generated REST adapter as `rest_runtime.rs`.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;

use super::runtime::{Error, JsonBody, ResponseHeaders, StatusError};

/// An error answered by the gateway itself, as JSON `{"code": "...", "message": "..."}` (the shape Logto uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code, "message": self.message });
        let mut resp = Response::new(Body::from(body.to_string()));
        *resp.status_mut() = self.status;
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        resp
    }
}

/// The `key=value` pairs of a raw query string, percent- and `+`-decoded.
pub fn query_pairs(raw: Option<&str>) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
}

/// Stores a query value, refusing a key given twice.
pub fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Problem> {
    if slot.is_some() {
        return Err(Problem::bad_request(
            "gateway.query_repeated",
            format!("query parameter `{name}` is given more than once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

pub fn parse_string(_name: &str, v: &str) -> Result<String, Problem> {
    Ok(v.to_owned())
}

pub fn parse_integer(name: &str, v: &str) -> Result<i64, Problem> {
    v.parse().map_err(|_| bad_type(name, "an integer", v))
}

pub fn parse_number(name: &str, v: &str) -> Result<f64, Problem> {
    v.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| bad_type(name, "a number", v))
}

pub fn parse_boolean(name: &str, v: &str) -> Result<bool, Problem> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_type(name, "a boolean (`true` or `false`)", v)),
    }
}

fn bad_type(name: &str, expected: &str, got: &str) -> Problem {
    let shown: String = got.chars().take(64).collect();
    Problem::bad_request(
        "gateway.query_type",
        format!("query parameter `{name}` must be {expected}, got `{}`", shown.escape_default()),
    )
}

/// A key no query parameter of the operation has.
pub fn unknown_query(key: &str, accepted: &[&str]) -> Problem {
    let shown: String = key.chars().take(64).collect();
    Problem::bad_request(
        "gateway.query_unknown",
        format!(
            "unknown query parameter `{}`; accepted: {}",
            shown.escape_default(),
            if accepted.is_empty() { "none".to_owned() } else { accepted.join(", ") }
        ),
    )
}

/// An extra query key taken into an object-typed parameter (form-exploded), refusing a key given twice.
pub fn absorb(
    slot: &mut Option<std::collections::BTreeMap<String, String>>,
    key: Cow<'_, str>,
    value: Cow<'_, str>,
) -> Result<(), Problem> {
    let map = slot.get_or_insert_with(Default::default);
    if map.contains_key(key.as_ref()) {
        return Err(Problem::bad_request(
            "gateway.query_repeated",
            format!("query parameter `{}` is given more than once", key.escape_default()),
        ));
    }
    map.insert(key.into_owned(), value.into_owned());
    Ok(())
}

/// A required query parameter.
pub fn required<T>(value: Option<T>, name: &str) -> Result<T, Problem> {
    value.ok_or_else(|| {
        Problem::bad_request(
            "gateway.query_missing",
            format!("query parameter `{name}` is required"),
        )
    })
}

/// Refuses any query parameter (for operations that take none).
pub fn no_query(raw: Option<&str>) -> Result<(), Problem> {
    match query_pairs(raw).next() {
        Some((k, _)) => Err(unknown_query(&k, &[])),
        None => Ok(()),
    }
}

/// A request body: empty means none; otherwise it must be JSON, forwarded verbatim.
pub fn json_body(body: Result<Bytes, axum::extract::rejection::BytesRejection>) -> Result<Option<Box<RawValue>>, Problem> {
    let bytes = body.map_err(|r| Problem::new(r.status(), "gateway.body_rejected", r.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<Box<RawValue>>(&bytes)
        .map(Some)
        .map_err(|e| Problem::bad_request("gateway.body_malformed", format!("the request body is not valid JSON: {e}")))
}

/// A path that axum could not extract (bad percent-encoding, say).
pub fn bad_path(r: axum::extract::rejection::PathRejection) -> Problem {
    Problem::new(r.status(), "gateway.path_rejected", r.body_text())
}

/// A `{{VAR}}` the spec binds but the process was not given.
pub fn unbound(var: &str) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "gateway.unbound",
        format!("the bound value `{var}` is not set"),
    )
}

/// The HTTP response for an upstream result: the upstream's status, body and pagination headers, or a gateway error.
pub fn respond(result: Result<super::runtime::Response, Error>) -> Response {
    match result {
        Ok(r) => {
            let body = r.body.map(json).or_else(|| r.raw.map(|raw| as_sent(&r.headers, raw)));
            passthrough(r.status, &r.headers, body)
        }
        Err(Error::Status(e)) => {
            let StatusError { status, headers, body, raw, .. } = *e;
            let body = body.map(json).or_else(|| raw.map(|raw| as_sent(&headers, raw)));
            passthrough(status, &headers, body)
        }
        Err(e) => problem_for(&e).into_response(),
    }
}

/// The gateway's own answer to a failed upstream call (not an upstream error status, which passes through).
pub fn problem_for(e: &Error) -> Problem {
    match e {
        Error::InvalidArgument { .. } => Problem::bad_request("gateway.invalid_argument", e.to_string()),
        Error::Connect(_) => Problem::new(StatusCode::BAD_GATEWAY, "gateway.upstream_unreachable", e.to_string()),
        Error::Timeout => Problem::new(StatusCode::GATEWAY_TIMEOUT, "gateway.upstream_timeout", e.to_string()),
        Error::InvalidResponse(_) => {
            Problem::new(StatusCode::BAD_GATEWAY, "gateway.upstream_invalid_response", e.to_string())
        }
        Error::Status(s) => Problem::new(
            StatusCode::from_u16(s.status).unwrap_or(StatusCode::BAD_GATEWAY),
            "gateway.upstream_status",
            e.to_string(),
        ),
        Error::Config(_) | Error::Auth(_) => {
            Problem::new(StatusCode::BAD_GATEWAY, "gateway.upstream_auth", e.to_string())
        }
    }
}

/// A JSON body and its content type.
fn json(body: JsonBody) -> (HeaderValue, Bytes) {
    (HeaderValue::from_static("application/json"), body.into_bytes())
}

/// A body that is not JSON, passed on as it is, with its content type.
fn as_sent(headers: &ResponseHeaders, raw: Bytes) -> (HeaderValue, Bytes) {
    let content_type = headers
        .content_type
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (content_type, raw)
}

/// The upstream's status, pagination headers and body (with its content type); none for 204 and 304.
fn passthrough(status: u16, headers: &ResponseHeaders, body: Option<(HeaderValue, Bytes)>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut resp = match body {
        Some((content_type, bytes)) if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED => {
            let mut r = Response::new(Body::from(bytes));
            r.headers_mut().insert(header::CONTENT_TYPE, content_type);
            r
        }
        _ => Response::new(Body::empty()),
    };
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    for (name, value) in [
        ("total-number", &headers.total_number),
        ("total-number-is-capped", &headers.total_number_is_capped),
    ] {
        if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            h.insert(name, v);
        }
    }
    for link in &headers.links {
        if let Ok(v) = HeaderValue::from_str(link) {
            h.append(header::LINK, v);
        }
    }
    resp
}
