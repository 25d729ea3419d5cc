//! The MCP adapter's fast lane answers as rmcp alone does: the same requests, sent to a gateway with the lane
//! (`--mcp-fast-lane true`, the default) and to one without (`false`), get the same status, the same content type and
//! the same JSON — across the headers a client may send (Host, Origin, Accept, Content-Type, MCP-Protocol-Version) and
//! the bodies it may send (tool calls that succeed or fail, unknown tools, other methods, malformed JSON-RPC).
//! Malformed JSON-RPC gets HTTP 400 with a JSON-RPC error either way.

use e2e_tests::{GatewayOptions, McpGateway, MockUpstream, Reply, http_client};
use serde_json::Value;

const TOKEN: &str = "fast-lane-token-51c2";

async fn gateway(mock: &MockUpstream, fast_lane: bool) -> McpGateway {
    let mut config = GatewayOptions::bearer(mock.url(), TOKEN).config();
    config.mcp_fast_lane = fast_lane;
    McpGateway::start_with_config(config).await
}

/// What a caller sees of an answer: status, content type, and the body as JSON (or as text when it is not JSON).
async fn post(
    gw: &McpGateway,
    headers: &[(&str, Option<String>)],
    body: &str,
) -> (u16, String, Result<Value, String>) {
    let port = gw.addr.port();
    let mut all: Vec<(&str, Option<String>)> = vec![
        ("host", Some(format!("127.0.0.1:{port}"))),
        ("content-type", Some("application/json".into())),
        ("accept", Some("application/json, text/event-stream".into())),
        ("mcp-protocol-version", Some("2025-11-25".into())),
    ];
    for (name, value) in headers {
        all.retain(|(n, _)| n != name);
        all.push((name, value.clone()));
    }
    let mut req = http_client().post(gw.mcp_url()).body(body.to_owned());
    for (name, value) in all {
        if let Some(v) = value {
            req = req.header(name, v.replace("{port}", &port.to_string()));
        }
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.bytes().await.unwrap();
    let body =
        serde_json::from_slice(&bytes).map_err(|_| String::from_utf8_lossy(&bytes).into_owned());
    (status, ct, body)
}

fn call(id: &str, name: &str, args: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{name}","arguments":{args}}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fast_lane_answers_as_rmcp_alone() {
    let mock = MockUpstream::start().await;
    mock.on(
        Some("GET"),
        "/api/applications/app1",
        Reply::json(200, r#"{"id":"app1","name":"Demo \"app\" ✓","n":1.50}"#),
    );
    mock.on(
        Some("GET"),
        "/api/applications",
        Reply::json(200, r#"[{"id":"a"}]"#).header("Total-Number", "42"),
    );
    mock.on(
        Some("POST"),
        "/api/applications/app1/roles",
        Reply::raw(201, "text/plain; charset=utf-8", "Created"),
    );
    mock.on(
        Some("GET"),
        "/api/applications/missing",
        Reply::json(
            404,
            r#"{"code":"entity.not_found","message":"No such entity."}"#,
        ),
    );
    let fast = gateway(&mock, true).await;
    let rmcp_alone = gateway(&mock, false).await;

    let bodies = [
        call("1", "getapplication", r#"{"id":"app1"}"#),
        call(r#""req-α""#, "listapplications", r#"{"page":2}"#),
        call(
            "3",
            "assignapplicationroles",
            r#"{"applicationId":"app1","body":{"roleIds":["r"]}}"#,
        ),
        call("4", "getapplication", r#"{"id":"missing"}"#),
        call("5", "getapplication", r#"{"id":7}"#),
        call("6", "nosuchtool", "{}"),
        r#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned(),
        "not json".to_owned(),
        r#"{"jsonrpc":"2.0","id":{"an":"object"},"method":"tools/list"}"#.to_owned(),
        "[]".to_owned(),
    ];
    let some = |v: &str| Some(v.to_owned());
    let header_cases: Vec<Vec<(&str, Option<String>)>> = vec![
        vec![],
        vec![("host", some("localhost:{port}"))],
        vec![("host", some("evil.example"))],
        vec![("origin", some("http://localhost:{port}"))],
        vec![("origin", some("http://evil.example"))],
        vec![("accept", some("application/json"))],
        vec![("accept", some("application/json;q=0.9, text/event-stream"))],
        vec![("accept", None)],
        vec![("content-type", some("application/json; charset=utf-8"))],
        vec![("content-type", some("text/plain"))],
        vec![("mcp-protocol-version", None)],
        vec![("mcp-protocol-version", some("2025-03-26"))],
        vec![("mcp-protocol-version", some("2025-06-18"))],
        vec![("mcp-protocol-version", some("2026-07-28"))],
        vec![("mcp-protocol-version", some("1999-01-01"))],
    ];
    let mut compared = 0;
    for headers in &header_cases {
        for body in &bodies {
            let a = post(&fast, headers, body).await;
            let b = post(&rmcp_alone, headers, body).await;
            assert_eq!(a, b, "headers {headers:?}, body {body}");
            compared += 1;
        }
    }
    assert_eq!(compared, header_cases.len() * bodies.len());

    // Malformed JSON-RPC: HTTP 400 with a JSON-RPC error, from both.
    for (body, code) in [
        ("not json", -32700),
        (
            r#"{"jsonrpc":"2.0","id":{"an":"object"},"method":"tools/list"}"#,
            -32600,
        ),
    ] {
        for gw in [&fast, &rmcp_alone] {
            let (status, ct, answer) = post(gw, &[], body).await;
            assert_eq!((status, ct.as_str()), (400, "application/json"), "{body}");
            let answer = answer.unwrap();
            assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
            assert_eq!(answer["id"], Value::Null);
        }
    }
    fast.stop().await.unwrap();
    rmcp_alone.stop().await.unwrap();
}
