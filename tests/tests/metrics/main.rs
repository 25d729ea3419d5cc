//! `GET /metrics`: counters and histograms move as REST requests and MCP tool calls are made, by exactly as much.
//!
//! A test binary of its own: the recorder is the process's (as in `logto-gateway serve`), so no other test may
//! record into it while the values are asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use e2e_tests::issuer::{AUDIENCE, es384, jwk, publish, token};
use e2e_tests::{Gateway, GatewayOptions, McpGateway, MockUpstream, Reply, http_client};
use jsonwebtoken::Algorithm;
use serde_json::json;

const INBOUND: &str = "metrics-inbound-token-93f1";
const APP_ID: &str = "m2m-app";
const APP_SECRET: &str = "m2m-secret-never-shown-5d2a";

/// One sample of the text format: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("`series value`");
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').expect("labels end with `}`")),
            None => (series, ""),
        };
        let mut map = BTreeMap::new();
        // Label values here hold no `,` or `"` (route templates, tool names, words).
        for pair in labels.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').expect("`key=\"value\"`");
            map.insert(k.to_owned(), v.trim_matches('"').to_owned());
        }
        out.push((name.to_owned(), map, value.parse().expect("a number")));
    }
    out
}

/// The value of the series `name` with exactly `labels`; 0 when it is not listed.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let found: Vec<f64> = samples
        .iter()
        .filter(|(n, l, _)| n == name && *l == want)
        .map(|(_, _, v)| *v)
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} is listed twice");
    found.first().copied().unwrap_or(0.0)
}

async fn scrape(gw: &Gateway) -> (String, Vec<Sample>) {
    let resp = http_client()
        .get(gw.at("/metrics"))
        .bearer_auth(INBOUND)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = resp.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

async fn rest_get(gw: &Gateway, path: &str) -> u16 {
    http_client()
        .get(gw.at(path))
        .bearer_auth(INBOUND)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn tool_call(gw: &McpGateway, name: &str, args: &str) -> serde_json::Value {
    let resp = tool_call_as(gw, INBOUND, name, args).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// A `tools/call` with `token` as the bearer token; the HTTP answer.
async fn tool_call_as(gw: &McpGateway, token: &str, name: &str, args: &str) -> reqwest::Response {
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"{name}","arguments":{args}}}}}"#
    );
    http_client()
        .post(gw.mcp_url())
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_move_by_exactly_the_calls_made() {
    // As `serve` does, before any adapter is built.
    logto_gateway::metrics::install().unwrap();

    let mock = MockUpstream::start().await;
    mock.on(
        Some("GET"),
        "/api/applications/app1",
        Reply::json(200, r#"{"id":"app1"}"#),
    );
    mock.on(
        Some("GET"),
        "/api/applications/missing",
        Reply::json(
            404,
            r#"{"code":"entity.not_found","message":"No such entity."}"#,
        ),
    );
    mock.on(
        Some("GET"),
        "/api/applications/broken",
        Reply::json(500, r#"{"message":"boom"}"#),
    );
    let opts = GatewayOptions::m2m(mock.url(), APP_ID, APP_SECRET).auth_token(INBOUND);
    let rest = Gateway::start(&opts).await;
    let mcp = McpGateway::start(&opts).await;
    let mut rmcp_config = opts.config();
    rmcp_config.mcp_fast_lane = false;
    let rmcp_alone = McpGateway::start_with_config(rmcp_config).await;

    // A token endpoint that fails: one refresh in error, and a request that never reached the API.
    let refusing = MockUpstream::start().await;
    refusing.set_token_reply(Some(Reply::json(
        400,
        r#"{"error":"invalid_client","error_description":"no such client"}"#,
    )));
    let no_token = Gateway::start(
        &GatewayOptions::m2m(refusing.url(), APP_ID, APP_SECRET).auth_token(INBOUND),
    )
    .await;

    // `/metrics` takes the adapters' inbound authentication.
    let anonymous = http_client().get(rest.at("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    // REST: 3 answered, 1 upstream 404, 1 upstream 500, 1 path that is no route, 1 without a token upstream
    // (another gateway, recording into the same process's metrics).
    for _ in 0..3 {
        assert_eq!(rest_get(&rest, "/api/applications/app1").await, 200);
    }
    assert_eq!(rest_get(&rest, "/api/applications/missing").await, 404);
    assert_eq!(rest_get(&rest, "/api/applications/broken").await, 500);
    assert_eq!(rest_get(&rest, "/no/such/route/42").await, 404);
    assert_eq!(
        rest_get(&no_token, "/api/applications/app1").await,
        502,
        "a refused token is a bad gateway"
    );

    // MCP, fast lane: 2 answered, 1 upstream 404, 1 refused before the upstream, 1 unknown tool.
    for _ in 0..2 {
        let r = tool_call(&mcp, "getapplication", r#"{"id":"app1"}"#).await;
        assert_eq!(r["result"]["isError"], false, "{r}");
    }
    let r = tool_call(&mcp, "getapplication", r#"{"id":"missing"}"#).await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    let r = tool_call(&mcp, "getapplication", r#"{"id":7}"#).await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    let r = tool_call(&mcp, "no-such-tool-x", "{}").await;
    assert!(r["error"].is_object(), "{r}");
    // MCP, rmcp alone: counted the same way.
    let r = tool_call(&rmcp_alone, "getapplication", r#"{"id":"app1"}"#).await;
    assert_eq!(r["result"]["isError"], false, "{r}");

    let (text, m) = scrape(&rest).await;
    let requests = "gateway_requests_total";
    let rest_route = |route: &'static str, outcome: &'static str| {
        [("adapter", "rest"), ("route", route), ("outcome", outcome)]
    };
    let id_route = "/api/applications/{id}";
    assert_eq!(
        value(&m, requests, &rest_route(id_route, "2xx")),
        3.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &rest_route(id_route, "4xx")),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &rest_route(id_route, "5xx")),
        2.0,
        "{text}"
    );
    // Only routes are counted: a path that matches none is not, and never shows.
    assert_eq!(
        value(&m, requests, &rest_route("(unmatched)", "4xx")),
        0.0,
        "{text}"
    );
    assert!(!text.contains("/no/such/route"), "{text}");
    // The anonymous scrape; this scrape is counted once answered.
    assert_eq!(
        value(&m, requests, &rest_route("/metrics", "4xx")),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &rest_route("/metrics", "2xx")),
        0.0,
        "{text}"
    );

    let tool = |tool: &'static str, outcome: &'static str| {
        [("adapter", "mcp"), ("tool", tool), ("outcome", outcome)]
    };
    assert_eq!(
        value(&m, requests, &tool("getapplication", "ok")),
        3.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &tool("getapplication", "upstream_error")),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &tool("getapplication", "refused")),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &tool("(unknown)", "unknown_tool")),
        1.0,
        "{text}"
    );
    assert!(
        !text.contains("no-such-tool-x"),
        "a client's tool name is never a label"
    );

    let duration = "gateway_request_duration_seconds_count";
    assert_eq!(
        value(&m, duration, &[("adapter", "rest"), ("route", id_route)]),
        6.0,
        "{text}"
    );
    assert_eq!(
        value(
            &m,
            duration,
            &[("adapter", "mcp"), ("tool", "getapplication")]
        ),
        5.0,
        "{text}"
    );
    // Histogram buckets are cumulative, and the last one holds every sample.
    assert_eq!(
        value(
            &m,
            "gateway_request_duration_seconds_bucket",
            &[("adapter", "rest"), ("route", id_route), ("le", "+Inf")]
        ),
        6.0,
        "{text}"
    );

    // Upstream: 3 + 3 answered (REST, MCP), 1 + 1 not found, 1 server error, and 1 request without a token.
    let upstream = |class: &'static str| {
        value(
            &m,
            "gateway_upstream_requests_total",
            &[("status_class", class)],
        )
    };
    assert_eq!(upstream("2xx"), 6.0, "{text}");
    assert_eq!(upstream("4xx"), 2.0, "{text}");
    assert_eq!(upstream("5xx"), 1.0, "{text}");
    assert_eq!(upstream("error"), 1.0, "{text}");
    assert_eq!(
        value(&m, "gateway_upstream_duration_seconds_count", &[]),
        10.0,
        "{text}"
    );
    assert!(
        value(&m, "gateway_upstream_duration_seconds_sum", &[]) > 0.0,
        "{text}"
    );

    // One token per transport (three gateways with a working token endpoint), one refusal.
    let refreshes =
        |result: &'static str| value(&m, "gateway_token_refreshes_total", &[("result", result)]);
    assert_eq!(refreshes("ok"), 3.0, "{text}");
    assert_eq!(refreshes("error"), 1.0, "{text}");

    for name in [
        "gateway_requests_total counter",
        "gateway_request_duration_seconds histogram",
        "gateway_upstream_requests_total counter",
        "gateway_upstream_duration_seconds histogram",
        "gateway_token_refreshes_total counter",
    ] {
        assert!(text.contains(&format!("# TYPE {name}")), "{name}: {text}");
    }
    for name in [
        "gateway_requests_total",
        "gateway_request_duration_seconds",
        "gateway_upstream_requests_total",
        "gateway_upstream_duration_seconds",
        "gateway_token_refreshes_total",
    ] {
        assert!(text.contains(&format!("# HELP {name} ")), "{name}: {text}");
    }

    // No secret, no id the client sent.
    for secret in [
        INBOUND,
        APP_SECRET,
        "mock-issued-token",
        "missing",
        "broken",
    ] {
        assert!(!text.contains(secret), "`{secret}` shows in /metrics");
    }

    // The next scrape counts this one.
    let (_, m) = scrape(&rest).await;
    assert_eq!(value(&m, requests, &rest_route("/metrics", "2xx")), 1.0);

    // An MCP adapter taking OAuth access tokens, the mock as issuer: 1 call without a token, 1 with a token that is
    // not one, 1 write with a read-only token, 2 reads that pass. The keys are fetched once.
    let issuer = format!("{}/oidc", mock.url());
    publish(
        &mock,
        &issuer,
        &issuer,
        vec![jwk(&es384(), Algorithm::ES384, "ec-1")],
    );
    let mut args = GatewayOptions::m2m(mock.url(), APP_ID, APP_SECRET).serve_args();
    args.oauth.oauth_issuer = Some(issuer.clone());
    args.oauth.oauth_audience = Some(AUDIENCE.to_owned());
    let guarded = McpGateway::start_with_config(args.validate().unwrap()).await;
    let reader = token(
        &issuer,
        &es384(),
        Algorithm::ES384,
        "ec-1",
        json!({"scope": "read"}),
    );
    let get = r#"{"id":"app1"}"#;
    let statuses = [
        tool_call_as(&guarded, "", "getapplication", get)
            .await
            .status(),
        tool_call_as(&guarded, "not.a.jwt", "getapplication", get)
            .await
            .status(),
        tool_call_as(&guarded, &reader, "deleteapplication", get)
            .await
            .status(),
        tool_call_as(&guarded, &reader, "getapplication", get)
            .await
            .status(),
        tool_call_as(&guarded, &reader, "getapplication", get)
            .await
            .status(),
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [401, 401, 403, 200, 200]);
    let (text, m) = scrape(&rest).await;
    let refusals =
        |reason: &'static str| value(&m, "gateway_oauth_refusals_total", &[("reason", reason)]);
    assert_eq!(refusals("missing_token"), 1.0, "{text}");
    assert_eq!(refusals("invalid_token"), 1.0, "{text}");
    assert_eq!(refusals("insufficient_scope"), 1.0, "{text}");
    assert_eq!(refusals("unavailable"), 0.0, "{text}");
    assert_eq!(
        value(&m, "gateway_oauth_key_fetches_total", &[("result", "ok")]),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, requests, &tool("getapplication", "ok")),
        5.0,
        "the two reads that passed are tool calls like any: {text}"
    );
    for name in [
        "gateway_oauth_refusals_total",
        "gateway_oauth_key_fetches_total",
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} counter")),
            "{name}: {text}"
        );
        assert!(text.contains(&format!("# HELP {name} ")), "{name}: {text}");
    }
    assert!(!text.contains(&reader), "a token shows in /metrics");
}
