//! The fast lane of an MCP adapter served over stateless streamable HTTP: a plain `tools/call`, answered directly.
//!
//! In stateless mode, rmcp's HTTP service builds a service, a transport and two tasks for every request. For the
//! request that matters for throughput, a plain `tools/call`, the lane calls the generated tool function itself (through
//! the adapter's [`Dispatch`]) and writes the JSON-RPC response: a result with structured content with the tool's JSON
//! put in as it came from the upstream, anything else with rmcp's own types. The answer is the JSON rmcp would give,
//! and byte for byte the same where no upstream JSON is in it (a test compares the two).
//!
//! It only answers what it can answer as rmcp would. Everything else goes to rmcp: other methods, batches,
//! notifications, unknown tools, any request with an `Origin` header, an SEP-2243 `Mcp-*` header or `_meta`, protocol
//! versions without `initialize` (2026-07-28 on, whose lifecycle differs), bodies over the limit, and any media type,
//! `Accept` or JSON that is not in the plainest form. A request whose body was read is passed on with the same bytes.
//!
//! A body that is not a JSON-RPC message, which rmcp answers with a plain-text 415, is answered as the streamable
//! HTTP transport asks: HTTP 400 with a JSON-RPC error, `-32700` (parse error) for a body that is not JSON, `-32600`
//! (invalid request) for JSON that is not a request (an object as `id`, say).
//!
//! The lane is a route handler: whatever layers the application puts around the route (authentication, limits,
//! logging, timeouts) apply to it as to rmcp.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolResponse, JsonObject, JsonRpcResponse, JsonRpcVersion2_0, ProtocolVersion, RequestId,
    ServerJsonRpcMessage, ServerResult,
};
use serde::Deserialize;

use super::{Dispatch, Outcome, result_json};

/// The lane: the dispatcher, and the same Host allow-list and body limit as rmcp's service.
#[derive(Debug)]
pub struct FastLane<D> {
    dispatch: D,
    allowed_hosts: Vec<AllowedHost>,
    max_body_bytes: usize,
    /// Whether plain `tools/call` requests are answered here; without, every request goes to rmcp (malformed bodies
    /// still get their JSON-RPC error).
    answers_calls: bool,
}

/// An allowed `Host`: a host name (lower case, IPv6 without brackets) and, optionally, a port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl<D> FastLane<D> {
    /// `allowed_hosts` as given to rmcp (`host` or `host:port`); an empty list allows every host, as in rmcp.
    pub fn new(dispatch: D, allowed_hosts: &[String], max_body_bytes: usize) -> Self {
        Self::with_calls(dispatch, allowed_hosts, max_body_bytes, true)
    }

    /// [`FastLane::new`], answering plain `tools/call` requests only when `answers_calls` (to measure rmcp alone).
    pub fn with_calls(
        dispatch: D,
        allowed_hosts: &[String],
        max_body_bytes: usize,
        answers_calls: bool,
    ) -> Self {
        let allowed_hosts = allowed_hosts
            .iter()
            .filter_map(|a| {
                let a = a.trim();
                if a.is_empty() {
                    return None;
                }
                Some(match a.parse::<axum::http::uri::Authority>() {
                    Ok(auth) => AllowedHost {
                        host: normalize_host(auth.host()),
                        port: auth.port_u16(),
                    },
                    Err(_) => AllowedHost {
                        host: normalize_host(a),
                        port: None,
                    },
                })
            })
            .collect();
        FastLane {
            dispatch,
            allowed_hosts,
            max_body_bytes,
            answers_calls,
        }
    }

    /// Whether the request's headers are in the form this layer answers exactly like rmcp: `POST` with an allowed
    /// `Host`, no `Origin`, an `Accept` of bare media types listing `application/json` and `text/event-stream`, one
    /// `Content-Type: application/json` (optionally `charset=utf-8`), at most one `MCP-Protocol-Version` naming a
    /// version that has `initialize`, no other `Mcp-*` header, and a `Content-Length` within the limit. The headers
    /// are read in one pass.
    fn takes(&self, method: &Method, headers: &HeaderMap) -> bool {
        if method != Method::POST {
            return false;
        }
        let (mut host, mut length, mut content_type) = (None, None, None);
        let (mut json, mut sse, mut protocol) = (false, false, false);
        for (name, value) in headers {
            if name == header::HOST {
                host.get_or_insert(value);
            } else if name == header::CONTENT_LENGTH {
                length.get_or_insert(value);
            } else if name == header::ACCEPT {
                let Some((j, s)) = accept_lists(value) else {
                    return false;
                };
                json |= j;
                sse |= s;
            } else if name == header::CONTENT_TYPE {
                if content_type.replace(value).is_some() {
                    return false;
                }
            } else if name == header::ORIGIN {
                return false;
            } else if name.as_str().starts_with("mcp-") {
                // One protocol version, one that has `initialize`; a second version, or any other `Mcp-*` header
                // (SEP-2243), goes to rmcp.
                if protocol || name != "mcp-protocol-version" || !legacy_protocol(value) {
                    return false;
                }
                protocol = true;
            }
        }
        json && sse
            && content_type.is_some_and(is_json)
            && host.is_some_and(|h| self.host_allowed(h))
            && length
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
                .is_some_and(|n| n <= self.max_body_bytes)
    }

    fn host_allowed(&self, host: &HeaderValue) -> bool {
        let Some(host) = host
            .to_str()
            .ok()
            .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
        else {
            return false;
        };
        if self.allowed_hosts.is_empty() {
            return true;
        }
        // The allowed names are lower case already: compared without building a lower-case copy per request.
        let name = host.host().trim_matches('[').trim_matches(']');
        let port = host.port_u16();
        self.allowed_hosts
            .iter()
            .any(|a| a.host.eq_ignore_ascii_case(name) && a.port.is_none_or(|p| port == Some(p)))
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_matches('[')
        .trim_matches(']')
        .to_ascii_lowercase()
}

/// Whether one `Accept` value lists `application/json` and `text/event-stream`; `None` unless every entry is a bare
/// media type (no parameters, so no weights to interpret).
fn accept_lists(value: &HeaderValue) -> Option<(bool, bool)> {
    let (mut json, mut sse) = (false, false);
    for entry in value.to_str().ok()?.split(',') {
        let entry = entry.trim();
        if entry.contains(';') || entry.contains('"') {
            return None;
        }
        json |= entry.eq_ignore_ascii_case("application/json");
        sse |= entry.eq_ignore_ascii_case("text/event-stream");
    }
    Some((json, sse))
}

/// `application/json`, optionally with `charset=utf-8`.
fn is_json(value: &HeaderValue) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    parts
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
        && parts.all(|p| p.eq_ignore_ascii_case("charset=utf-8"))
}

/// A known protocol version that still has `initialize` (without the header, rmcp assumes 2025-03-26, which has).
fn legacy_protocol(value: &HeaderValue) -> bool {
    value.to_str().is_ok_and(|v| {
        ProtocolVersion::KNOWN_VERSIONS
            .iter()
            .any(|k| k.as_str() == v && k.has_initialize())
    })
}

/// A `tools/call` request in its plainest form; anything more (`_meta`, a task, unknown keys) fails to parse and
/// goes to rmcp.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolCall {
    #[serde(rename = "jsonrpc")]
    _jsonrpc: JsonRpcVersion2_0,
    id: RequestId,
    method: CallMethod,
    params: ToolCallParams,
}

#[derive(Deserialize)]
enum CallMethod {
    #[serde(rename = "tools/call")]
    ToolsCall,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolCallParams {
    name: String,
    #[serde(default)]
    arguments: Option<JsonObject>,
}

impl<D: Dispatch> FastLane<D> {
    /// Answers a plain `tools/call` of a known tool; passes everything else to `rmcp` (with the body's bytes when
    /// they were read), and turns rmcp's answer to a body that is not a JSON-RPC message into a JSON-RPC error.
    pub async fn handle<F, Fut>(&self, req: Request, rmcp: F) -> Response
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let takes = self.answers_calls && self.takes(req.method(), req.headers());
        // A JSON body is read, so that a malformed one can be told apart; any other request goes to rmcp as it is.
        let json_post = req.method() == Method::POST && declares_json(req.headers());
        if !takes && !json_post {
            return rmcp(req).await;
        }
        let (parts, body) = req.into_parts();
        let bytes: Bytes = match axum::body::to_bytes(body, self.max_body_bytes).await {
            Ok(b) => b,
            Err(e) if takes => {
                // The declared length was within the limit, so the body broke off or lied about its length.
                return (
                    StatusCode::BAD_REQUEST,
                    format!("Bad Request: cannot read the request body: {e}"),
                )
                    .into_response();
            }
            // As rmcp answers a body over its limit.
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "Payload Too Large: request body exceeds {} bytes",
                        self.max_body_bytes
                    ),
                )
                    .into_response();
            }
        };
        if takes
            && let Ok(ToolCall {
                method: CallMethod::ToolsCall,
                id,
                params,
                ..
            }) = serde_json::from_slice::<ToolCall>(&bytes)
            && let Some(outcome) = self
                .dispatch
                .call_tool(&params.name, params.arguments)
                .await
        {
            if let Outcome::Called(Ok(upstream)) = &outcome
                && let Some(json) = result_json(upstream)
            {
                return structured_answer(&id, &json);
            }
            return answer(id, outcome.into_result());
        }
        // An unknown tool (rmcp gives the JSON-RPC error; no tool was called), or anything else.
        let resp = rmcp(Request::from_parts(parts, Body::from(bytes.clone()))).await;
        if resp.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            // The media type was JSON: what rmcp refused is the body.
            return malformed(&bytes);
        }
        resp
    }
}

/// Whether the request's `Content-Type` is `application/json`, with any parameters (rmcp's own check).
fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// HTTP 400 with the JSON-RPC error for a body that is not a JSON-RPC message: `-32700` when it is not JSON,
/// `-32600` when it is JSON but not a request, a notification, a response or a batch of them.
fn malformed(body: &[u8]) -> Response {
    let (code, message) = match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Err(e) => (-32700, format!("Parse error: the body is not JSON: {e}")),
        Ok(_) => (
            -32600,
            "Invalid Request: the body is not a JSON-RPC message (its `jsonrpc`, `id`, `method` or `params` is \
             missing or of the wrong type)"
                .to_owned(),
        ),
    };
    let error = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    });
    let mut resp = json_response(error.to_string().into_bytes());
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

/// A successful tool result with structured content: the members rmcp writes, in its order, with the tool's JSON
/// (checked to be JSON when the upstream's answer was read) put in as it is — as the text block and as
/// `structuredContent` — instead of being parsed into a `Value` and serialised twice. The answer is the same JSON as
/// rmcp's; the structured content keeps the upstream's member order and number forms.
fn structured_answer(id: &RequestId, json: &str) -> Response {
    // The text block escapes the JSON's quotes: about twice its length in all.
    let mut out = Vec::with_capacity(2 * json.len() + 128);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    let written = serde_json::to_writer(&mut out, id).and_then(|()| {
        out.extend_from_slice(br#","result":{"content":[{"type":"text","text":"#);
        serde_json::to_writer(&mut out, json)
    });
    if let Err(e) = written {
        return unserializable(&e);
    }
    out.extend_from_slice(br#"}],"structuredContent":"#);
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(br#","isError":false}}"#);
    json_response(out)
}

/// The JSON-RPC response to a tool call, as rmcp writes it.
fn answer(id: RequestId, result: rmcp::model::CallToolResult) -> Response {
    // As rmcp answers a peer on a protocol version with `initialize`.
    let mut result = ServerResult::from(CallToolResponse::from(result));
    result.strip_result_type_for_legacy_peer();
    result.strip_non_object_output_for_legacy_peer();
    let message = ServerJsonRpcMessage::Response(JsonRpcResponse {
        jsonrpc: JsonRpcVersion2_0,
        id,
        result,
    });
    match serde_json::to_vec(&message) {
        Ok(body) => json_response(body),
        Err(e) => unserializable(&e),
    }
}

/// The answer when a response cannot be serialised.
fn unserializable(e: &serde_json::Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Server Error: cannot serialize the response: {e}"),
    )
        .into_response()
}

fn json_response(body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    /// A dispatcher without tools.
    struct NoTools;

    impl Dispatch for NoTools {
        async fn call_tool(&self, _: &str, _: Option<JsonObject>) -> Option<Outcome> {
            None
        }
    }

    fn direct(allowed_hosts: &[&str]) -> FastLane<NoTools> {
        let hosts: Vec<String> = allowed_hosts.iter().map(|h| (*h).to_owned()).collect();
        FastLane::new(NoTools, &hosts, 1024)
    }

    /// The headers of a plain call, with `change` applied: `(name, None)` removes a header, `(name, Some(v))` sets
    /// it, replacing what was there, and a name given twice appends the second value.
    fn call_headers(change: &[(&str, Option<&str>)]) -> HeaderMap {
        let mut h = headers(&[
            ("host", "127.0.0.1:9090"),
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("mcp-protocol-version", "2025-11-25"),
            ("content-length", "100"),
        ]);
        let mut seen = Vec::new();
        for (k, v) in change {
            let name = axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap();
            if !seen.contains(k) {
                h.remove(&name);
                seen.push(*k);
            }
            if let Some(v) = v {
                h.append(name, HeaderValue::from_str(v).unwrap());
            }
        }
        h
    }

    fn takes(change: &[(&str, Option<&str>)]) -> bool {
        direct(&[]).takes(&Method::POST, &call_headers(change))
    }

    #[test]
    fn a_plain_call_is_taken_and_only_a_post() {
        assert!(takes(&[]));
        assert!(!direct(&[]).takes(&Method::GET, &call_headers(&[])));
    }

    #[test]
    fn accept_must_be_plain_and_list_both() {
        assert!(takes(&[
            ("accept", Some("application/json")),
            ("accept", Some("text/event-stream"))
        ]));
        assert!(takes(&[(
            "accept",
            Some("Text/Event-Stream, Application/JSON")
        )]));
        assert!(!takes(&[("accept", Some("application/json"))]));
        assert!(!takes(&[(
            "accept",
            Some("application/json, text/event-stream;q=0")
        )]));
        assert!(!takes(&[("accept", None)]));
    }

    #[test]
    fn content_type_must_be_json_once() {
        assert!(takes(&[(
            "content-type",
            Some("Application/JSON; charset=UTF-8")
        )]));
        assert!(!takes(&[("content-type", Some("application/json; x=1"))]));
        assert!(!takes(&[("content-type", Some("text/plain"))]));
        assert!(!takes(&[("content-type", None)]));
        assert!(!takes(&[
            ("content-type", Some("application/json")),
            ("content-type", Some("application/json"))
        ]));
    }

    #[test]
    fn only_protocol_versions_with_initialize() {
        assert!(takes(&[("mcp-protocol-version", None)]));
        assert!(takes(&[("mcp-protocol-version", Some("2025-03-26"))]));
        assert!(!takes(&[("mcp-protocol-version", Some("2026-07-28"))]));
        assert!(!takes(&[("mcp-protocol-version", Some("1999-01-01"))]));
        assert!(!takes(&[
            ("mcp-protocol-version", Some("2025-11-25")),
            ("mcp-protocol-version", Some("2025-11-25"))
        ]));
    }

    #[test]
    fn origin_and_other_mcp_headers_go_to_rmcp() {
        assert!(!takes(&[("origin", Some("http://localhost:9090"))]));
        assert!(!takes(&[("mcp-method", Some("tools/call"))]));
        assert!(!takes(&[("mcp-session-id", Some("abc"))]));
        assert!(takes(&[("x-mcp-other", Some("1"))]));
    }

    #[test]
    fn a_body_length_within_the_limit_is_required() {
        assert!(takes(&[("content-length", Some("1024"))]));
        assert!(!takes(&[("content-length", Some("1025"))]));
        assert!(!takes(&[("content-length", Some("-1"))]));
        assert!(!takes(&[("content-length", None)]));
    }

    #[test]
    fn hosts_match_as_in_rmcp() {
        let d = direct(&["localhost", "127.0.0.1:8080", "::1"]);
        let ok = |h: &str| d.takes(&Method::POST, &call_headers(&[("host", Some(h))]));
        assert!(ok("localhost"));
        assert!(ok("LOCALHOST:9090"));
        assert!(ok("127.0.0.1:8080"));
        assert!(!ok("127.0.0.1:8081"));
        assert!(!ok("127.0.0.1"));
        assert!(ok("[::1]:9090"));
        assert!(!ok("evil.example"));
        assert!(!d.takes(&Method::POST, &call_headers(&[("host", None)])));
        // Without an allow-list, any host is taken.
        assert!(takes(&[("host", Some("evil.example"))]));
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_rpc_is_a_400_with_a_json_rpc_error() {
        let lane = direct(&[]);
        for (body, code) in [
            ("not json", -32700),
            (
                r#"{"jsonrpc":"2.0","id":{"an":"object"},"method":"tools/list"}"#,
                -32600,
            ),
        ] {
            let mut req = Request::new(Body::from(body));
            *req.method_mut() = Method::POST;
            *req.headers_mut() = call_headers(&[("content-length", Some(&body.len().to_string()))]);
            // rmcp's answer to such a body.
            let resp = lane
                .handle(req, |_| async {
                    (
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "fail to deserialize request body",
                    )
                        .into_response()
                })
                .await;
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
            let v = body_json(resp).await;
            assert_eq!(v["error"]["code"], code, "{body}: {v}");
            assert_eq!(v["id"], serde_json::Value::Null);
        }
    }

    /// The body of a response built here, as JSON.
    async fn body_json(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn structured_answers_are_the_json_rmcp_writes() {
        use crate::client::{JsonBody, Response as Upstream, ResponseHeaders};
        use crate::mcp::respond;

        let bodies = [
            r#"{"id":"app1"}"#,
            r#"{"customData":{"nested":{"deep":[{}]}}}"#,
            // Every kind of character a JSON string can hold, escaped or not.
            r#"{"s":"quote \" backslash \\ slash \/ nl \n tab \t nul \u0000 bell \u0007 é ✓ 😀 \ud83d\ude00 </script>"}"#,
            "\n\t { \"pretty\" : [ 1 , 2.50 , -0 , 1e3 , true , null ] }\r\n",
            r#"[{"id":"a"},{"id":"b"}]"#,
            r#"[]"#,
            r#""just a string""#,
            "42",
            "null",
        ];
        let ids = [
            RequestId::Number(1),
            RequestId::Number(i64::MAX),
            RequestId::String("req-α \"quoted\"".into()),
        ];
        for body in bodies {
            for total in [None, Some("7")] {
                let upstream = || Upstream {
                    status: 200,
                    headers: ResponseHeaders {
                        content_type: Some("application/json".into()),
                        total_number: total.map(str::to_owned),
                        ..ResponseHeaders::default()
                    },
                    body: Some(JsonBody::new(Bytes::from(body)).unwrap()),
                    raw: None,
                };
                for id in &ids {
                    let json = result_json(&upstream()).unwrap().into_owned();
                    let direct = body_json(structured_answer(id, &json)).await;
                    let via_types = body_json(answer(id.clone(), respond(Ok(upstream())))).await;
                    assert_eq!(direct, via_types, "{body} with id {id:?}, total {total:?}");
                    assert_eq!(direct["result"]["isError"], false);
                }
            }
        }
    }
}
