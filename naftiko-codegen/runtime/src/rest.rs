//! Runtime support for generated axum REST adapters: query parsing by type, body checks, errors as JSON, and the
//! mapping of upstream results to HTTP responses.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;

use crate::client::{Error, JsonBody, ResponseHeaders, StatusError};

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
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
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
        format!(
            "query parameter `{name}` must be {expected}, got `{}`",
            shown.escape_default()
        ),
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
            if accepted.is_empty() {
                "none".to_owned()
            } else {
                accepted.join(", ")
            }
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
            format!(
                "query parameter `{}` is given more than once",
                key.escape_default()
            ),
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
pub fn json_body(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Option<Box<RawValue>>, Problem> {
    let bytes =
        body.map_err(|r| Problem::new(r.status(), "gateway.body_rejected", r.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<Box<RawValue>>(&bytes)
        .map(Some)
        .map_err(|e| {
            Problem::bad_request(
                "gateway.body_malformed",
                format!("the request body is not valid JSON: {e}"),
            )
        })
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
pub fn respond(result: Result<crate::client::Response, Error>) -> Response {
    match result {
        Ok(r) => {
            let body = r
                .body
                .map(json)
                .or_else(|| r.raw.map(|raw| as_sent(&r.headers, raw)));
            passthrough(r.status, &r.headers, body)
        }
        Err(Error::Status(e)) => {
            let StatusError {
                status,
                headers,
                body,
                raw,
                ..
            } = *e;
            let body = body
                .map(json)
                .or_else(|| raw.map(|raw| as_sent(&headers, raw)));
            passthrough(status, &headers, body)
        }
        Err(e) => problem_for(&e).into_response(),
    }
}

/// The gateway's own answer to a failed upstream call (not an upstream error status, which passes through).
pub fn problem_for(e: &Error) -> Problem {
    match e {
        Error::InvalidArgument { .. } => {
            Problem::bad_request("gateway.invalid_argument", e.to_string())
        }
        Error::Connect(_) => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway.upstream_unreachable",
            e.to_string(),
        ),
        Error::Timeout => Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "gateway.upstream_timeout",
            e.to_string(),
        ),
        Error::InvalidResponse(_) => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway.upstream_invalid_response",
            e.to_string(),
        ),
        Error::Status(s) => Problem::new(
            StatusCode::from_u16(s.status).unwrap_or(StatusCode::BAD_GATEWAY),
            "gateway.upstream_status",
            e.to_string(),
        ),
        Error::Config(_) | Error::Auth(_) => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway.upstream_auth",
            e.to_string(),
        ),
    }
}

/// A JSON body and its content type.
fn json(body: JsonBody) -> (HeaderValue, Bytes) {
    (
        HeaderValue::from_static("application/json"),
        body.into_bytes(),
    )
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
fn passthrough(
    status: u16,
    headers: &ResponseHeaders,
    body: Option<(HeaderValue, Bytes)>,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut resp = match body {
        Some((content_type, bytes))
            if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED =>
        {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Response as Upstream;

    async fn parts(resp: Response) -> (u16, Vec<(String, String)>, String) {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    fn upstream(status: u16, content_type: &str, body: &'static str) -> Upstream {
        let bytes = Bytes::from_static(body.as_bytes());
        let json = content_type == "application/json";
        Upstream {
            status,
            headers: ResponseHeaders {
                content_type: Some(content_type.into()),
                links: vec!["<a>; rel=\"first\"".into(), "<b>; rel=\"next\"".into()],
                ..ResponseHeaders::default()
            },
            body: json.then(|| JsonBody::new(bytes.clone()).unwrap()),
            raw: (!json).then_some(bytes),
        }
    }

    #[tokio::test]
    async fn answers_pass_through_with_every_link() {
        let (status, headers, body) =
            parts(respond(Ok(upstream(200, "application/json", "[1]")))).await;
        assert_eq!((status, body.as_str()), (200, "[1]"));
        let links: Vec<&str> = headers
            .iter()
            .filter(|(k, _)| k == "link")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(links, ["<a>; rel=\"first\"", "<b>; rel=\"next\""]);
        let (status, headers, body) = parts(respond(Ok(upstream(
            201,
            "text/plain; charset=utf-8",
            "Created",
        ))))
        .await;
        assert_eq!((status, body.as_str()), (201, "Created"));
        assert!(headers.contains(&("content-type".into(), "text/plain; charset=utf-8".into())));
    }

    #[tokio::test]
    async fn gateway_errors_are_json_problems() {
        let (status, _, body) = parts(respond(Err(Error::Timeout))).await;
        assert_eq!(status, 504);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["code"], "gateway.upstream_timeout");
        for (e, code) in [
            (Error::Connect("refused".into()), StatusCode::BAD_GATEWAY),
            (Error::InvalidResponse("x".into()), StatusCode::BAD_GATEWAY),
            (Error::Auth("x".into()), StatusCode::BAD_GATEWAY),
            (
                Error::InvalidArgument {
                    param: "id",
                    reason: "empty".into(),
                },
                StatusCode::BAD_REQUEST,
            ),
        ] {
            assert_eq!(problem_for(&e).status, code, "{e}");
        }
    }

    #[test]
    fn query_values_are_typed() {
        assert_eq!(parse_integer("page", "12"), Ok(12));
        assert_eq!(parse_number("n", "1.5"), Ok(1.5));
        assert_eq!(parse_boolean("b", "true"), Ok(true));
        for (e, wanted) in [
            (
                parse_integer("page", "1e3").unwrap_err(),
                "query parameter `page` must be an integer, got `1e3`",
            ),
            (
                parse_number("n", "NaN").unwrap_err(),
                "query parameter `n` must be a number, got `NaN`",
            ),
            (
                parse_boolean("b", "1").unwrap_err(),
                "query parameter `b` must be a boolean (`true` or `false`), got `1`",
            ),
        ] {
            assert_eq!(
                (e.status, e.code, e.message.as_str()),
                (StatusCode::BAD_REQUEST, "gateway.query_type", wanted)
            );
        }
        let mut slot = None;
        set_once(&mut slot, "page", 1).unwrap();
        assert_eq!(
            set_once(&mut slot, "page", 2).unwrap_err().code,
            "gateway.query_repeated"
        );
        assert_eq!(
            unknown_query("x\n", &["page"]).message,
            "unknown query parameter `x\\n`; accepted: page"
        );
        assert_eq!(
            no_query(Some("a=1")).unwrap_err().code,
            "gateway.query_unknown"
        );
        assert!(no_query(Some("")).is_ok());
    }

    #[test]
    fn a_request_body_is_json_or_nothing() {
        assert!(json_body(Ok(Bytes::from_static(b" \n"))).unwrap().is_none());
        assert_eq!(
            json_body(Ok(Bytes::from_static(b"{\"a\": 1}")))
                .unwrap()
                .unwrap()
                .get(),
            "{\"a\": 1}"
        );
        assert_eq!(
            json_body(Ok(Bytes::from_static(b"{"))).unwrap_err().code,
            "gateway.body_malformed"
        );
    }
}
