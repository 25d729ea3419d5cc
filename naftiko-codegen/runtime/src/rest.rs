//! Runtime support for generated axum REST adapters: query parsing by type, body checks, errors as JSON, and the
//! mapping of upstream results to HTTP responses.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::client::{Error, JsonBody, ResponseHeaders, StatusError, is_json_type};

pub use crate::problem::Problem;

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

/// Where a typed input is read from, for its errors.
#[derive(Clone, Copy)]
enum Place {
    Query,
    Header,
}

impl Place {
    fn noun(self) -> &'static str {
        match self {
            Place::Query => "query parameter",
            Place::Header => "header",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Place::Query => "gateway.query_type",
            Place::Header => "gateway.header_type",
        }
    }
}

pub fn parse_string(_name: &str, v: &str) -> Result<String, Problem> {
    Ok(v.to_owned())
}

pub fn parse_integer(name: &str, v: &str) -> Result<i64, Problem> {
    integer(Place::Query, name, v)
}

pub fn parse_number(name: &str, v: &str) -> Result<f64, Problem> {
    number(Place::Query, name, v)
}

pub fn parse_boolean(name: &str, v: &str) -> Result<bool, Problem> {
    boolean(Place::Query, name, v)
}

fn integer(place: Place, name: &str, v: &str) -> Result<i64, Problem> {
    v.parse()
        .map_err(|_| bad_type(place, name, "an integer", v))
}

fn number(place: Place, name: &str, v: &str) -> Result<f64, Problem> {
    v.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| bad_type(place, name, "a number", v))
}

fn boolean(place: Place, name: &str, v: &str) -> Result<bool, Problem> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_type(place, name, "a boolean (`true` or `false`)", v)),
    }
}

fn bad_type(place: Place, name: &str, expected: &str, got: &str) -> Problem {
    let shown: String = got.chars().take(64).collect();
    Problem::bad_request(
        place.code(),
        format!(
            "{} `{name}` must be {expected}, got `{}`",
            place.noun(),
            shown.escape_default()
        ),
    )
}

/// The text of the request header `name`, given at most once; `None` when absent. A header given twice, or whose
/// value is not text (bytes outside visible ASCII), is refused; the message never shows the value.
pub fn header_string(headers: &HeaderMap, name: &str) -> Result<Option<String>, Problem> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Problem::bad_request(
            "gateway.header_repeated",
            format!("header `{name}` is given more than once"),
        ));
    }
    match value.to_str() {
        Ok(v) => Ok(Some(v.to_owned())),
        Err(_) => Err(Problem::bad_request(
            "gateway.header_type",
            format!("header `{name}` must be visible ASCII text"),
        )),
    }
}

/// The request header `name` read as an integer.
pub fn header_integer(headers: &HeaderMap, name: &str) -> Result<Option<i64>, Problem> {
    header_string(headers, name)?
        .map(|v| integer(Place::Header, name, &v))
        .transpose()
}

/// The request header `name` read as a number.
pub fn header_number(headers: &HeaderMap, name: &str) -> Result<Option<f64>, Problem> {
    header_string(headers, name)?
        .map(|v| number(Place::Header, name, &v))
        .transpose()
}

/// The request header `name` read as a boolean (`true` or `false`).
pub fn header_boolean(headers: &HeaderMap, name: &str) -> Result<Option<bool>, Problem> {
    header_string(headers, name)?
        .map(|v| boolean(Place::Header, name, &v))
        .transpose()
}

/// A required request header.
pub fn required_header<T>(value: Option<T>, name: &str) -> Result<T, Problem> {
    value.ok_or_else(|| {
        Problem::bad_request(
            "gateway.header_missing",
            format!("header `{name}` is required"),
        )
    })
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

/// An `in: body` input the operation needs: missing (or `null`) is a `400` naming it and where it is read.
pub fn required_in_body<T>(value: Option<T>, name: &str, at: &str) -> Result<T, Problem> {
    value.ok_or_else(|| {
        Problem::bad_request(
            "gateway.body_input_missing",
            format!("input `{name}` (`{at}` of the request body) is required"),
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

/// A request's body as a handler takes it: its bytes (or why they could not be read) and whether its `Content-Type`
/// names JSON. Taking it never fails; [`json_body`] checks it, after the path and the query.
#[derive(Debug)]
pub struct RequestBody {
    media_type: MediaType,
    bytes: Result<Bytes, BytesRejection>,
}

/// What a request body was sent as.
#[derive(Debug)]
enum MediaType {
    Json,
    /// Another type, kept to name it.
    Other(HeaderValue),
    Missing,
}

impl MediaType {
    fn of(content_type: Option<&HeaderValue>) -> Self {
        match content_type {
            // The usual value first, without parsing it.
            Some(t)
                if t.as_bytes() == b"application/json" || t.to_str().is_ok_and(is_json_type) =>
            {
                MediaType::Json
            }
            Some(t) => MediaType::Other(t.clone()),
            None => MediaType::Missing,
        }
    }
}

impl RequestBody {
    /// A body read with content type `content_type`.
    pub fn new(content_type: Option<&HeaderValue>, bytes: Bytes) -> Self {
        RequestBody {
            media_type: MediaType::of(content_type),
            bytes: Ok(bytes),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for RequestBody {
    type Rejection = Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Infallible> {
        let media_type = MediaType::of(req.headers().get(header::CONTENT_TYPE));
        let bytes = Bytes::from_request(req, state).await;
        Ok(RequestBody { media_type, bytes })
    }
}

/// How deep arrays and objects may nest in a request body: the deepest serde_json parses into values (its recursion
/// limit, 128, refuses the 128th level).
pub const MAX_BODY_DEPTH: usize = 127;

/// A request body: empty (or whitespace) means none, whatever its content type; otherwise it must be sent as JSON
/// (`application/json` or `application/*+json`: 415 otherwise, also without a `Content-Type`), be one JSON value
/// (400) nesting at most [`MAX_BODY_DEPTH`] deep (400). It is forwarded as sent, never parsed into a model: its
/// fields are the upstream's to validate.
pub fn json_body(body: RequestBody) -> Result<Option<Box<RawValue>>, Problem> {
    let bytes = body
        .bytes
        .map_err(|r| Problem::new(r.status(), "gateway.body_rejected", r.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match body.media_type {
        MediaType::Json => {}
        MediaType::Other(t) => return Err(unsupported_media_type(Some(&t))),
        MediaType::Missing => return Err(unsupported_media_type(None)),
    }
    let value = serde_json::from_slice::<Box<RawValue>>(&bytes).map_err(|e| {
        Problem::bad_request(
            "gateway.body_malformed",
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    check_depth(&bytes)?;
    Ok(Some(value))
}

/// The request's JSON body as a document, for the inputs an operation reads from it (`in: body`): none when the body
/// is empty.
pub fn body_document(body: Option<&RawValue>) -> Result<Option<serde_json::Value>, Problem> {
    body.map(|b| serde_json::from_str(b.get()))
        .transpose()
        .map_err(|e| {
            Problem::bad_request(
                "gateway.body_malformed",
                format!("the request body is not valid JSON: {e}"),
            )
        })
}

/// The input `name`, read at `path` (written `at`, `$.user.id`) of the request's JSON body: none when the body has
/// no value there (or `null`); a value of another type than `what` says is a `400` naming the input.
pub fn body_input<T: serde::de::DeserializeOwned>(
    doc: Option<&serde_json::Value>,
    path: &[crate::shape::Step],
    name: &str,
    at: &str,
    what: &str,
) -> Result<Option<T>, Problem> {
    match crate::shape::at(doc, path) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => T::deserialize(v).map(Some).map_err(|_| {
            Problem::bad_request(
                "gateway.body_input_type",
                format!("input `{name}` (`{at}` of the request body) must be {what}"),
            )
        }),
    }
}

fn unsupported_media_type(content_type: Option<&HeaderValue>) -> Problem {
    let sent = match content_type {
        Some(t) => {
            let shown: String = String::from_utf8_lossy(t.as_bytes())
                .chars()
                .take(64)
                .collect();
            format!("it was sent as `{}`", shown.escape_default())
        }
        None => "it was sent without a Content-Type".to_owned(),
    };
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "gateway.unsupported_media_type",
        format!(
            "the request body must be JSON, with `Content-Type: application/json` (or `application/*+json`); {sent}"
        ),
    )
}

/// Refuses a body (valid JSON) whose arrays and objects nest deeper than [`MAX_BODY_DEPTH`].
fn check_depth(bytes: &[u8]) -> Result<(), Problem> {
    // Nesting that deep takes more opening brackets than that, and as many closing ones: the bodies with fewer are
    // not read a second time. (Counted in runs of 255 into a byte, which the compiler vectorises.)
    if bytes.len() <= 2 * MAX_BODY_DEPTH + 1 {
        return Ok(());
    }
    let opening: usize = bytes
        .chunks(255)
        .map(|run| {
            let n: u8 = run.iter().map(|b| u8::from(matches!(b, b'[' | b'{'))).sum();
            usize::from(n)
        })
        .sum();
    if opening <= MAX_BODY_DEPTH {
        return Ok(());
    }
    // serde_json checks its recursion limit when it hands values to a visitor, not when it skips or captures them.
    serde_json::from_slice::<Nested>(bytes)
        .map(|_| ())
        .map_err(|e| {
            Problem::bad_request(
                "gateway.body_too_deep",
                format!(
                    "the request body nests arrays and objects more than {MAX_BODY_DEPTH} deep: {e}"
                ),
            )
        })
}

/// Any JSON value, read through serde_json's depth-checked path and dropped.
struct Nested;

impl<'de> Deserialize<'de> for Nested {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Nested)
    }
}

impl<'de> Visitor<'de> for Nested {
    type Value = Nested;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Nested, E> {
        Ok(Nested)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Nested, E> {
        Ok(Nested)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Nested, E> {
        Ok(Nested)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Nested, E> {
        Ok(Nested)
    }

    fn visit_str<E>(self, _: &str) -> Result<Nested, E> {
        Ok(Nested)
    }

    fn visit_unit<E>(self) -> Result<Nested, E> {
        Ok(Nested)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Nested, A::Error> {
        while seq.next_element::<Nested>()?.is_some() {}
        Ok(Nested)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Nested, A::Error> {
        while map.next_entry::<IgnoredAny, Nested>()?.is_some() {}
        Ok(Nested)
    }
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

    #[test]
    fn header_inputs_are_read_once_and_typed() {
        let mut h = HeaderMap::new();
        h.insert("x-size", HeaderValue::from_static("20"));
        h.insert("x-flag", HeaderValue::from_static("yes"));
        h.append("x-twice", HeaderValue::from_static("a"));
        h.append("x-twice", HeaderValue::from_static("b"));
        h.insert("x-bytes", HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        assert_eq!(header_integer(&h, "X-Size").unwrap(), Some(20));
        assert_eq!(header_number(&h, "X-Size").unwrap(), Some(20.0));
        assert_eq!(header_string(&h, "X-Absent").unwrap(), None);
        let e = header_boolean(&h, "X-Flag").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                "gateway.header_type",
                "header `X-Flag` must be a boolean (`true` or `false`), got `yes`"
            )
        );
        assert_eq!(
            header_string(&h, "X-Twice").unwrap_err().code,
            "gateway.header_repeated"
        );
        assert_eq!(
            header_string(&h, "X-Bytes").unwrap_err().code,
            "gateway.header_type"
        );
        assert_eq!(
            required_header(None::<String>, "X-Size")
                .unwrap_err()
                .message,
            "header `X-Size` is required"
        );
    }

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

    fn sent(content_type: Option<&'static str>, bytes: &'static [u8]) -> RequestBody {
        RequestBody::new(
            content_type.map(HeaderValue::from_static).as_ref(),
            Bytes::from_static(bytes),
        )
    }

    fn sent_json(bytes: &'static [u8]) -> RequestBody {
        sent(Some("application/json"), bytes)
    }

    #[test]
    fn a_request_body_is_json_or_nothing() {
        assert!(json_body(sent_json(b" \n")).unwrap().is_none());
        assert_eq!(
            json_body(sent_json(b"{\"a\": 1}")).unwrap().unwrap().get(),
            "{\"a\": 1}"
        );
        for bytes in [&b"{"[..], b"{} {}", b"\xff", b"\"\xff\""] {
            assert_eq!(
                json_body(sent_json(bytes)).unwrap_err().code,
                "gateway.body_malformed",
                "{bytes:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_request_body_is_taken_with_its_content_type() {
        let req = axum::http::Request::post("/")
            .header("content-type", "application/json; charset=utf-8")
            .body(Body::from("[1]"))
            .unwrap();
        let b = RequestBody::from_request(req, &()).await.unwrap();
        assert_eq!(json_body(b).unwrap().unwrap().get(), "[1]");
        let req = axum::http::Request::post("/")
            .body(Body::from("[1]"))
            .unwrap();
        let b = RequestBody::from_request(req, &()).await.unwrap();
        assert_eq!(json_body(b).unwrap_err().status, 415);
    }

    #[test]
    fn a_request_body_must_be_sent_as_json() {
        for t in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json ; charset=utf-8",
            "application/merge-patch+json",
            "application/VND.api+JSON; ext=x",
        ] {
            assert!(json_body(sent(Some(t), b"{}")).unwrap().is_some(), "{t}");
        }
        for t in [
            Some("text/plain"),
            Some("text/json"),
            Some("application/x-www-form-urlencoded"),
            Some("application/jsonp"),
            Some("application/json5"),
            Some("application"),
            Some(""),
            None,
        ] {
            let e = json_body(sent(t, b"{}")).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "gateway.unsupported_media_type"
                ),
                "{t:?}"
            );
            assert!(
                e.message
                    .contains("`Content-Type: application/json` (or `application/*+json`)"),
                "{}",
                e.message
            );
        }
        let odd = RequestBody::new(
            Some(&HeaderValue::from_bytes(b"text/plain\xff").unwrap()),
            Bytes::from_static(b"x"),
        );
        assert_eq!(
            json_body(odd).unwrap_err().message,
            "the request body must be JSON, with `Content-Type: application/json` (or `application/*+json`); \
             it was sent as `text/plain\\u{fffd}`"
        );
        assert!(
            json_body(sent(None, b"x"))
                .unwrap_err()
                .message
                .ends_with("; it was sent without a Content-Type")
        );
        // An empty body is no body, whatever it is said to be.
        for t in [Some("text/plain"), None] {
            assert!(json_body(sent(t, b"")).unwrap().is_none());
            assert!(json_body(sent(t, b" \r\n")).unwrap().is_none());
        }
    }

    #[test]
    fn a_request_body_nests_at_most_127_deep() {
        let nested = |depth: usize, open: &str, close: &str| {
            let text = format!("{}{}", open.repeat(depth), close.repeat(depth));
            RequestBody::new(
                Some(&HeaderValue::from_static("application/json")),
                Bytes::from(text),
            )
        };
        for (open, close) in [("[", "]"), ("{\"a\":[", "]}")] {
            let depth = if open == "[" {
                MAX_BODY_DEPTH
            } else {
                MAX_BODY_DEPTH / 2
            };
            let ok = json_body(nested(depth, open, close)).unwrap().unwrap();
            assert_eq!(ok.get().len(), depth * (open.len() + close.len()));
        }
        for depth in [MAX_BODY_DEPTH + 1, 100_000] {
            let e = json_body(nested(depth, "[", "]")).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (StatusCode::BAD_REQUEST, "gateway.body_too_deep"),
                "{depth}"
            );
            assert!(
                e.message
                    .starts_with("the request body nests arrays and objects more than 127 deep: "),
                "{}",
                e.message
            );
        }
        let e = json_body(nested(64, "{\"a\":[", "]}")).unwrap_err();
        assert_eq!(e.code, "gateway.body_too_deep");
        // Many arrays side by side are not nesting either.
        let text = format!(
            "[{}{}, {}]",
            "[".repeat(MAX_BODY_DEPTH - 1),
            "]".repeat(MAX_BODY_DEPTH - 1),
            vec!["[{}]"; 100].join(",")
        );
        let b = RequestBody::new(
            Some(&HeaderValue::from_static("application/json")),
            Bytes::from(text.clone()),
        );
        assert_eq!(json_body(b).unwrap().unwrap().get(), text);
        // Brackets inside strings are not nesting.
        let text = format!("[\"{}\"]", "[{".repeat(200));
        let b = RequestBody::new(
            Some(&HeaderValue::from_static("application/json")),
            Bytes::from(text.clone()),
        );
        assert_eq!(json_body(b).unwrap().unwrap().get(), text);
        // Malformed beats too deep.
        let e = json_body(nested(200, "[", "")).unwrap_err();
        assert_eq!(e.code, "gateway.body_malformed");
    }
}
