//! The MCP adapter (streamable HTTP at `/mcp`) driven by rmcp's client: the tool list, every tool called once,
//! argument and upstream errors, hostile values, inbound authentication, `Host` and `Origin` checks, and shutdown.
//! Tools, their arguments and what each must send upstream come from reading `spec/logto.naftiko.yaml` with a plain
//! YAML parser (`support::spec`), not from the compiler, so that a generator mistake shows up here.

use std::time::{Duration, Instant};

use crate::support::free_port;
use crate::support::mcp::{is_error, text, tool_differences};
use crate::support::spec::{self, ArgKind, QueryPart, ToolCase, encode_segment, query_matches};
use e2e_tests::{GatewayOptions, McpGateway, MockUpstream, Reply, assert_took, http_client};
use rmcp::model::{CallToolRequestParams, ErrorCode, ProtocolVersion};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceError, ServiceExt};
use serde_json::{Value, json};

const TOKEN: &str = "logto-token-mcp-7d41c2";
const INBOUND: &str = "inbound-mcp-secret-93a1";

type Client = RunningService<RoleClient, ()>;

fn transport(
    gw: &McpGateway,
    auth: Option<&str>,
) -> StreamableHttpClientTransport<reqwest::Client> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(gw.mcp_url());
    if let Some(a) = auth {
        config = config.auth_header(a);
    }
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    StreamableHttpClientTransport::with_client(http, config)
}

/// rmcp's client, connected with the `initialize` handshake.
async fn connect(gw: &McpGateway, auth: Option<&str>) -> Client {
    ().serve(transport(gw, auth))
        .await
        .expect("the rmcp client connects")
}

async fn setup(
    opts: impl FnOnce(GatewayOptions) -> GatewayOptions,
) -> (MockUpstream, McpGateway, Client) {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(&opts(GatewayOptions::bearer(mock.url(), TOKEN))).await;
    let client = connect(&gw, gw.config.inbound.token().map(|t| t.expose())).await;
    (mock, gw, client)
}

fn object(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// Calls a tool; the result as it is on the wire (camelCase JSON).
async fn call(client: &Client, name: &str, args: Value) -> Result<Value, ServiceError> {
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(object(args));
    client
        .call_tool(params)
        .await
        .map(|r| serde_json::to_value(r).unwrap())
}

async fn call_ok(client: &Client, name: &str, args: Value) -> Value {
    call(client, name, args)
        .await
        .unwrap_or_else(|e| panic!("{name}: a tool result, not a protocol error: {e}"))
}

/// Asserts an `isError` result whose text holds every needle; returns the text.
fn expect_tool_error(what: &str, result: &Value, needles: &[&str]) -> String {
    assert!(is_error(result), "{what}: isError expected, got {result}");
    assert!(
        result.get("structuredContent").is_none(),
        "{what}: no structured content in an error: {result}"
    );
    let t = text(result);
    for n in needles {
        assert!(t.contains(n), "{what}: `{n}` in the message {t:?}");
    }
    t
}

/// `initialize`, as a raw JSON-RPC request.
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#;

/// A raw POST to `/mcp` with the headers a streamable HTTP client sends, plus `extra`.
async fn raw_post(gw: &McpGateway, body: &str, extra: &[(&str, &str)]) -> (u16, String) {
    raw_post_to(&gw.mcp_url(), body, extra).await
}

async fn raw_post_to(url: &str, body: &str, extra: &[(&str, &str)]) -> (u16, String) {
    let mut req = http_client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = req.body(body.to_owned()).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

// ---------------------------------------------------------------------------------------------------------------
// The tool list

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tool_list_is_the_spec_tool_list_with_its_annotations_and_schemas() {
    let spec = spec::load();
    assert_eq!(spec.repairs, 4, "dialect repairs");
    assert_eq!(spec.mcp.len(), 1, "one MCP exposure");
    assert_eq!(spec.tools.len(), 60, "tools in the spec");
    let cases = spec.tool_cases();
    let (_mock, gw, client) = setup(|o| o).await;

    // The handshake: name, instructions, the tools capability.
    let info = serde_json::to_value(client.peer_info().expect("server info")).unwrap();
    assert_eq!(info["serverInfo"]["name"], json!(spec.mcp[0].namespace));
    if let Some(d) = &spec.mcp[0].description {
        assert_eq!(info["instructions"], json!(d));
    }
    assert!(info["capabilities"]["tools"].is_object(), "{info}");
    assert_eq!(
        info["protocolVersion"],
        json!(ProtocolVersion::LATEST_WITH_INITIALIZE.as_str())
    );

    let tools = client.list_all_tools().await.unwrap();
    let listed: Vec<Value> = tools
        .iter()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect();
    let names: Vec<&str> = listed.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let spec_names: Vec<&str> = spec.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, spec_names, "the tools, in spec order");

    let mut failures = Vec::new();
    let (mut with_body, mut with_required, mut declared, mut unbound_query) = (0, 0, 0, 0);
    let (mut documented_bodies, mut required_bodies) = (0, 0);
    let (mut documented_params, mut constrained_params, mut outputs) = (0, 0, 0);
    for (case, tool) in cases.iter().zip(&listed) {
        for d in tool_differences(&case.tool, &case.args, tool) {
            failures.push(format!("{}: {d}", case.tool.name));
        }
        with_body += usize::from(case.args.iter().any(|a| a.kind == ArgKind::Body));
        with_required += usize::from(case.args.iter().any(|a| a.required));
        declared += usize::from(case.args.iter().any(|a| a.kind == ArgKind::Declared));
        unbound_query += usize::from(case.args.iter().any(|a| a.kind == ArgKind::QueryParam));
        for a in &case.args {
            match a.kind {
                ArgKind::Body => {
                    documented_bodies += usize::from(a.openapi.is_some());
                    required_bodies += usize::from(a.required);
                }
                _ => {
                    documented_params += usize::from(a.openapi.is_some());
                    constrained_params += usize::from(a.openapi_schema().is_some_and(|s| {
                        ["enum", "default", "minimum"]
                            .iter()
                            .any(|k| s.get(k).is_some())
                    }));
                }
            }
        }
        // An output schema, where there is one, is a JSON Schema of an object (an array answer is wrapped in one),
        // which stands on its own.
        if let Some(out) = tool.get("outputSchema") {
            outputs += 1;
            if out["type"] != "object" || !jsonschema::meta::is_valid(out) {
                failures.push(format!("{}: outputSchema {out}", case.tool.name));
            }
            if out.to_string().contains("\"$ref\"") {
                failures.push(format!("{}: a $ref in the outputSchema", case.tool.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // What the derivation covered.
    assert_eq!(with_body, 27, "tools with a body");
    // All but `updateoidcsessionconfig` (not in Logto's OpenAPI document) have a body schema from the document, 15
    // of them with required fields.
    assert_eq!(
        documented_bodies, 26,
        "bodies the OpenAPI document describes"
    );
    assert_eq!(required_bodies, 15, "required bodies");
    assert!(
        documented_params >= 60,
        "path and query arguments the OpenAPI document describes: {documented_params}"
    );
    assert!(
        (30..60).contains(&outputs),
        "tools with an output schema: {outputs}"
    );
    assert!(
        constrained_params >= 10,
        "path and query arguments with an enum, a default or a minimum: {constrained_params}"
    );
    assert!(
        with_required >= 40,
        "tools with required arguments: {with_required}"
    );
    assert!(declared >= 15, "tools with declared inputs: {declared}");
    // Every query parameter of this spec is bound with `with:`; none is left unbound.
    assert_eq!(unbound_query, 0, "tools with unbound query parameters");
    // Each hint value appears: the comparison is not vacuous.
    for (what, count) in [
        (
            "readOnly",
            spec.tools.iter().filter(|t| t.hints.read_only).count(),
        ),
        (
            "destructive",
            spec.tools.iter().filter(|t| t.hints.destructive).count(),
        ),
        (
            "idempotent",
            spec.tools.iter().filter(|t| t.hints.idempotent).count(),
        ),
    ] {
        assert!(
            count > 0 && count < 60,
            "{what} true for {count} of 60 tools"
        );
    }
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// Every tool, once

/// The canned upstream answer for tool `i`, and what the tool result must be.
fn reply_for(case: &ToolCase, i: usize) -> (Reply, Option<Value>) {
    let name = &case.tool.name;
    if case.method == "DELETE" {
        return (Reply::empty(204), None);
    }
    if name.starts_with("list") {
        // An array: wrapped as {"items": [...]}, with "totalNumber" when the upstream sends Total-Number.
        let body =
            format!(r#"[ {{"id" : "{name}-1", "i": {i}}}, {{"id":"x","s":"\u00e9 \"q\""}} ]"#);
        let items: Value = serde_json::from_str(&body).unwrap();
        return if i.is_multiple_of(2) {
            let total = 1000 + i;
            (
                Reply::json(200, body).header("Total-Number", &total.to_string()),
                Some(json!({"items": items, "totalNumber": total})),
            )
        } else {
            (Reply::json(200, body), Some(json!({"items": items})))
        };
    }
    let body =
        format!(r#"{{ "op" : "{name}", "values":[1, 2.5, "\u00e9"] , "i": {i}, "n": null }}"#);
    let value: Value = serde_json::from_str(&body).unwrap();
    let status = if case.method == "POST" { 201 } else { 200 };
    (
        Reply::json(status, body).header("Total-Number", "7"),
        Some(value),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_reaches_its_upstream_operation() {
    let spec = spec::load();
    let cases = spec.tool_cases();
    assert_eq!(cases.len(), 60);
    let (mock, gw, client) = setup(|o| o).await;
    let listed = client.list_all_tools().await.unwrap();
    let mut failures: Vec<String> = Vec::new();
    let (mut with_query, mut with_exploded, mut with_body) = (0, 0, 0);
    let (mut arrays_total, mut arrays_plain, mut empties, mut objects) = (0, 0, 0, 0);

    for (i, case) in cases.iter().enumerate() {
        let name = &case.tool.name;
        let (reply, expected) = reply_for(case, i);
        mock.set_default(reply);
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));
        // The body (derived from Logto's OpenAPI document) is one the tool's own input schema accepts.
        if let Some(body) = case.arguments.get("body") {
            let tool = listed.iter().find(|t| t.name == *name).expect("listed");
            let schema = serde_json::to_value(&tool.input_schema).unwrap();
            let schema = &schema["properties"]["body"];
            if let Err(e) = jsonschema::validate(schema, body) {
                fail(format!("the body {body} is outside the listed schema: {e}"));
            }
        }
        let result = match call(&client, name, Value::Object(case.arguments.clone())).await {
            Ok(r) => r,
            Err(e) => {
                fail(format!("protocol error {e}"));
                continue;
            }
        };
        with_query += usize::from(!case.upstream_query.is_empty());
        with_exploded += usize::from(
            case.upstream_query
                .iter()
                .any(|q| matches!(q, QueryPart::Exploded(_))),
        );
        with_body += usize::from(case.body.is_some());

        // The result.
        if is_error(&result) {
            fail(format!("isError: {}", text(&result)));
        }
        match &expected {
            None => {
                empties += 1;
                if result.get("structuredContent").is_some() {
                    fail(format!("structured content for a 204: {result}"));
                }
                if !text(&result).contains("204") {
                    fail(format!("the 204 text {:?}", text(&result)));
                }
            }
            Some(want) => {
                if case.tool.name.starts_with("list") {
                    if want.get("totalNumber").is_some() {
                        arrays_total += 1;
                    } else {
                        arrays_plain += 1;
                    }
                } else {
                    objects += 1;
                }
                if result.get("structuredContent") != Some(want) {
                    fail(format!(
                        "structuredContent {:?}, expected {want}",
                        result.get("structuredContent")
                    ));
                }
                match serde_json::from_str::<Value>(&text(&result)) {
                    Ok(v) if &v == want => {}
                    _ => fail(format!(
                        "text {:?} is not the same JSON as {want}",
                        text(&result)
                    )),
                }
            }
        }

        // What the upstream got.
        let got = mock.take_requests();
        let [r] = got.as_slice() else {
            fail(format!(
                "the upstream received {} requests: {got:?}",
                got.len()
            ));
            continue;
        };
        if r.method != case.method {
            fail(format!(
                "upstream method {}, expected {}",
                r.method, case.method
            ));
        }
        if r.path != case.upstream_path {
            fail(format!(
                "upstream path {}, expected {}",
                r.path, case.upstream_path
            ));
        }
        if let Err(e) = query_matches(&case.upstream_query, &r.query_pairs()) {
            fail(format!("upstream query {:?}: {e}", r.query));
        }
        if case.upstream_query.is_empty() && r.query.is_some() {
            fail(format!("upstream query {:?}, expected none", r.query));
        }
        let auth = r.header_all("authorization");
        if auth != [format!("Bearer {TOKEN}")] {
            fail(format!("upstream Authorization {auth:?}"));
        }
        match &case.body {
            Some(b) => {
                if r.body.as_ref() != b.as_slice() {
                    fail(format!(
                        "upstream body {:?}, expected {:?}",
                        r.body_text(),
                        String::from_utf8_lossy(b)
                    ));
                }
                if r.header("content-type").as_deref() != Some("application/json") {
                    fail(format!(
                        "upstream content type {:?}",
                        r.header("content-type")
                    ));
                }
            }
            None => {
                if !r.body.is_empty() {
                    fail(format!("upstream body {:?}, expected none", r.body_text()));
                }
                if r.header("content-type").is_some() {
                    fail(format!(
                        "upstream content type {:?} without a body",
                        r.header("content-type")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // What the derivation covered.
    assert_eq!(with_query, 7, "tools with query parameters");
    assert_eq!(
        with_exploded, 3,
        "tools with an object-typed query parameter"
    );
    assert_eq!(with_body, 27, "tools with a body");
    assert!(
        arrays_total > 0 && arrays_plain > 0 && empties > 0 && objects > 0,
        "result kinds: {arrays_total} arrays with a total, {arrays_plain} without, {empties} empty, {objects} objects"
    );
    assert_eq!(arrays_total + arrays_plain + empties + objects, 60);
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_lifecycles_negotiate_their_protocol_version_and_serve_the_tools() {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(&GatewayOptions::bearer(mock.url(), TOKEN)).await;
    for (lifecycle, version) in [
        (
            ClientLifecycleMode::Initialize,
            ProtocolVersion::V_2025_11_25,
        ),
        (
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
            ProtocolVersion::V_2026_07_28,
        ),
    ] {
        let what = format!("{lifecycle:?}");
        let client = ().serve_with_lifecycle(transport(&gw, None), lifecycle).await.unwrap();
        let info = client.peer_info().expect("peer info");
        assert_eq!(info.protocol_version, version, "{what}");
        assert_eq!(client.list_all_tools().await.unwrap().len(), 60, "{what}");
        mock.set_default(Reply::json(200, "[1,2]").header("Total-Number", "2"));
        let r = call_ok(&client, "listapplications", json!({"page": 1})).await;
        assert_eq!(
            r["structuredContent"],
            json!({"items": [1, 2], "totalNumber": 2}),
            "{what}"
        );
        let got = mock.take_requests();
        assert_eq!(got.len(), 1, "{what}");
        assert_eq!(got[0].path, "/api/applications", "{what}");
        assert_eq!(got[0].query.as_deref(), Some("page=1"), "{what}");
        client.cancel().await.unwrap();
    }
    gw.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_tool_is_a_json_rpc_invalid_params_error() {
    let (mock, gw, client) = setup(|o| o).await;
    for name in [
        "nosuchtool",
        "getApplication",
        "getapplication ",
        "",
        "../getapplication",
    ] {
        match call(&client, name, json!({})).await {
            Err(ServiceError::McpError(e)) => {
                assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{name:?}: {e:?}");
                assert!(e.message.contains("unknown tool"), "{name:?}: {e:?}");
                assert!(e.message.contains(name), "{name:?}: the name in {e:?}");
            }
            other => panic!("{name:?}: a JSON-RPC error expected, got {other:?}"),
        }
    }
    // The session still works.
    let r = call_ok(&client, "getadminconsoleconfig", json!({})).await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        mock.take_requests().len(),
        1,
        "only the valid call went upstream"
    );
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn argument_errors_are_tool_errors_naming_the_argument() {
    let spec = spec::load();
    let accepted = |tool: &str| -> Vec<String> {
        let t = spec.tools.iter().find(|t| t.name == tool).unwrap();
        spec.tool_case(t, 0)
            .args
            .into_iter()
            .map(|a| a.name)
            .collect()
    };
    let (mock, gw, client) = setup(|o| o).await;
    // (what, tool, arguments, needles)
    let cases: Vec<(&str, &str, Value, Vec<&str>)> = vec![
        // Missing required arguments.
        (
            "missing path argument",
            "getapplication",
            json!({}),
            vec!["`id`", "missing"],
        ),
        (
            "null path argument",
            "getapplication",
            json!({"id": null}),
            vec!["`id`"],
        ),
        (
            "missing second path argument",
            "deleteapplicationrole",
            json!({"applicationId": "a"}),
            vec!["`roleId`", "missing"],
        ),
        (
            "missing declared required input",
            "deleteapplicationsecret",
            json!({"id": "a"}),
            vec!["`name`", "missing"],
        ),
        (
            "missing declared path input",
            "getoidckeys",
            json!({}),
            vec!["`keyType`", "missing"],
        ),
        // Wrong types.
        (
            "integer for a string",
            "getapplication",
            json!({"id": 5}),
            vec!["`id`", "string"],
        ),
        (
            "array for a string",
            "getapplication",
            json!({"id": ["a"]}),
            vec!["`id`", "string"],
        ),
        (
            "object for a string",
            "getapplication",
            json!({"id": {"a": 1}}),
            vec!["`id`", "string"],
        ),
        (
            "boolean for a string",
            "listapplications",
            json!({"types": true}),
            vec!["`types`", "string"],
        ),
        (
            "string for an integer",
            "listapplications",
            json!({"page": "2"}),
            vec!["`page`", "integer"],
        ),
        (
            "fraction for an integer",
            "listapplications",
            json!({"page": 1.5}),
            vec!["`page`", "integer"],
        ),
        (
            "string for an object",
            "listapplications",
            json!({"search_params": "name=x"}),
            vec!["`search_params`", "object"],
        ),
        (
            "nested object in an object parameter",
            "listapplications",
            json!({"search_params": {"a": {"b": 1}}}),
            vec!["`search_params`"],
        ),
        (
            "array body",
            "createapplication",
            json!({"body": [1, 2]}),
            vec!["`body`", "object"],
        ),
        (
            "string body",
            "createapplication",
            json!({"body": "{}"}),
            vec!["`body`", "object"],
        ),
        // Bodies outside the body's schema (the tool's model), named by their path in the body.
        (
            "missing required body",
            "createapplication",
            json!({}),
            vec!["`body`", "missing"],
        ),
        (
            "null required body",
            "createapplication",
            json!({"body": null}),
            vec!["`body`", "missing"],
        ),
        (
            "body without a required field",
            "createapplication",
            json!({"body": {"type": "MachineToMachine"}}),
            vec![
                "argument `body` is invalid",
                "missing field `name`",
                "the tool's input schema describes what is accepted",
            ],
        ),
        (
            "empty body where fields are required",
            "createresource",
            json!({"body": {}}),
            vec!["argument `body` is invalid", "missing field"],
        ),
        (
            "body field of the wrong type",
            "createapplication",
            json!({"body": {"name": 5, "type": "SPA"}}),
            vec![
                "argument `body.name` is invalid",
                "invalid type: integer `5`, expected a string",
            ],
        ),
        (
            "body array item of the wrong type",
            "assignapplicationroles",
            json!({"applicationId": "a", "body": {"roleIds": ["r1", 2]}}),
            vec![
                "argument `body.roleIds[1]` is invalid",
                "invalid type: integer `2`, expected a string",
            ],
        ),
        (
            "nested body object without a required field",
            "createapplication",
            json!({"body": {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": []}}}),
            vec![
                "argument `body.oidcClientMetadata` is invalid",
                "missing field `postLogoutRedirectUris`",
            ],
        ),
        (
            "body field of the wrong type in an optional body",
            "updateresource",
            json!({"id": "r", "body": {"accessTokenTtl": "long"}}),
            vec![
                "argument `body.accessTokenTtl` is invalid",
                "invalid type: string \"long\"",
            ],
        ),
        // Unknown arguments: named, with the accepted ones listed.
        (
            "unknown argument",
            "getapplication",
            json!({"id": "x", "bogus": 1}),
            vec!["`bogus`"],
        ),
        (
            "case matters",
            "createapplication",
            json!({"Body": {}}),
            vec!["`Body`"],
        ),
        (
            "an object entry as a top-level argument",
            "listapplications",
            json!({"search.name": "x"}),
            vec!["`search.name`"],
        ),
        (
            "a consumed name bound to another input",
            "deleteapplicationsecret",
            json!({"id": "a", "name": "n", "secretName": "n"}),
            vec!["`secretName`"],
        ),
    ];
    let mut n = 0;
    for (what, tool, args, needles) in &cases {
        let r = call_ok(&client, tool, args.clone()).await;
        expect_tool_error(what, &r, needles);
        assert!(
            mock.take_requests().is_empty(),
            "{what}: nothing reaches the upstream"
        );
        n += 1;
    }
    // Unknown arguments: the message says so and lists every accepted argument.
    let mut unknown = 0;
    for (what, tool, args, _) in &cases {
        let ok = accepted(tool);
        if args.as_object().unwrap().keys().all(|k| ok.contains(k)) {
            continue;
        }
        let t = text(&call_ok(&client, tool, args.clone()).await);
        assert!(t.contains("unknown argument"), "{what}: {t:?}");
        for a in &ok {
            assert!(
                t.contains(a.as_str()),
                "{what}: accepted `{a}` listed in {t:?}"
            );
        }
        unknown += 1;
    }
    assert_eq!(unknown, 4, "unknown-argument cases");
    assert_eq!(n, cases.len());
    assert!(mock.take_requests().is_empty());
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

/// A body value outside an enum of the body's schema is refused before any request: the message names where in the
/// body (`body.type`), the value, and every value the listed input schema accepts there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_value_outside_its_enum_is_refused_with_its_path_and_the_accepted_values() {
    let (mock, gw, client) = setup(|o| o).await;
    let listed = client.list_all_tools().await.unwrap();
    // (tool, arguments, the property, the value outside its enum)
    let cases = [
        (
            "createapplication",
            json!({"body": {"name": "x", "type": "Nope"}}),
            "type",
            "Nope",
        ),
        // In a body that is not required, about a field that is not required either.
        (
            "rotateoidckeys",
            json!({"keyType": "private-keys", "body": {"signingKeyAlgorithm": "rsa"}}),
            "signingKeyAlgorithm",
            "rsa",
        ),
    ];
    for (tool, args, field, value) in cases {
        let listed_tool = listed.iter().find(|t| t.name == tool).expect("listed");
        let schema = serde_json::to_value(&listed_tool.input_schema).unwrap();
        let accepted: Vec<String> = schema["properties"]["body"]["properties"][field]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{tool}: `body.{field}` has an enum: {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert!(accepted.len() >= 2, "{tool}: {accepted:?}");
        assert!(!accepted.iter().any(|a| a == value), "{tool}: {value}");
        let r = call_ok(&client, tool, args.clone()).await;
        let at = format!("argument `body.{field}` is invalid");
        let unknown = format!("unknown variant `{value}`");
        let t = expect_tool_error(tool, &r, &[&at, &unknown]);
        for a in &accepted {
            assert!(
                t.contains(&format!("`{a}`")),
                "{tool}: `{a}` listed in {t:?}"
            );
        }
        assert!(
            mock.take_requests().is_empty(),
            "{tool}: nothing reaches the upstream"
        );
        // The same body with an accepted value goes through.
        let mut fixed = args.clone();
        fixed["body"][field] = json!(accepted[accepted.len() - 1]);
        let r = call_ok(&client, tool, fixed.clone()).await;
        assert!(!is_error(&r), "{tool}: {r}");
        let got = mock.take_requests();
        assert_eq!(got.len(), 1, "{tool}: one upstream request");
        assert_eq!(
            got[0].body.as_ref(),
            serde_json::to_vec(&fixed["body"]).unwrap().as_slice(),
            "{tool}: the body as given"
        );
    }
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

/// A path or query argument the document lists the values of is refused outside them, naming them.
#[tokio::test]
async fn a_path_value_outside_its_enum_is_refused_naming_the_accepted_values() {
    let (mock, gw, client) = setup(|o| o).await;
    let listed = client.list_all_tools().await.unwrap();
    let tool = listed
        .iter()
        .find(|t| t.name == "rotateoidckeys")
        .expect("listed");
    let schema = serde_json::to_value(&tool.input_schema).unwrap();
    assert_eq!(
        schema["properties"]["keyType"]["enum"],
        json!(["private-keys", "cookie-keys"])
    );
    let r = call_ok(&client, "rotateoidckeys", json!({"keyType": "rsa-keys"})).await;
    expect_tool_error(
        "rotateoidckeys",
        &r,
        &[
            "argument `keyType` must be one of `private-keys`, `cookie-keys`",
            "rsa-keys",
        ],
    );
    assert!(
        mock.take_requests().is_empty(),
        "nothing reaches the upstream"
    );
    let r = call_ok(&client, "rotateoidckeys", json!({"keyType": "cookie-keys"})).await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        mock.take_requests()[0].path,
        "/api/configs/oidc/cookie-keys/rotate"
    );
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_errors_are_tool_errors_with_status_code_and_message() {
    let (mock, gw, client) = setup(|o| o).await;
    mock.on(
        Some("GET"),
        "/api/applications/missing",
        Reply::json(
            404,
            r#"{"code":"entity.not_found","message":"The entity with id `missing` does not exist."}"#,
        ),
    );
    let r = call_ok(&client, "getapplication", json!({"id": "missing"})).await;
    expect_tool_error(
        "404",
        &r,
        &[
            "404",
            "entity.not_found",
            "The entity with id `missing` does not exist.",
        ],
    );

    mock.on(
        Some("GET"),
        "/api/applications/boom",
        Reply::json(
            500,
            r#"{"code":"unknown","message":"Internal server error."}"#,
        ),
    );
    let r = call_ok(&client, "getapplication", json!({"id": "boom"})).await;
    expect_tool_error(
        "500 (JSON)",
        &r,
        &["500", "unknown", "Internal server error."],
    );

    mock.on(
        Some("GET"),
        "/api/applications/html",
        Reply::raw(500, "text/html", "<html>oops</html>"),
    );
    let r = call_ok(&client, "getapplication", json!({"id": "html"})).await;
    expect_tool_error("500 (HTML)", &r, &["500"]);

    // Logto's refusal of an input the tool's schema accepts, as Logto sends it: `details` names the field and why.
    mock.on(
        Some("POST"),
        "/api/applications",
        Reply::json(
            400,
            r#"{"code":"guard.invalid_input","data":{"issues":[{"code":"custom","path":["oidcClientMetadata","redirectUris",0]}],"name":"ZodError"},"details":"Error in key path \"oidcClientMetadata.redirectUris.0\": (custom) Invalid URL","message":"The request body is invalid."}"#,
        ),
    );
    let r = call_ok(
        &client,
        "createapplication",
        json!({"body": {
            "name": "x",
            "type": "SPA",
            "oidcClientMetadata": {"redirectUris": ["not a URL"], "postLogoutRedirectUris": []},
        }}),
    )
    .await;
    expect_tool_error(
        "400 with details",
        &r,
        &[
            "400",
            "guard.invalid_input",
            "The request body is invalid.",
            "Error in key path \"oidcClientMetadata.redirectUris.0\": (custom) Invalid URL",
        ],
    );
    // Without `details`, the structured `data` says it.
    mock.on(
        Some("POST"),
        "/api/resources",
        Reply::json(
            422,
            r#"{"code":"guard.invalid_input","message":"Request body is invalid.","data":{"field":"indicator"}}"#,
        ),
    );
    let r = call_ok(
        &client,
        "createresource",
        json!({"body": {"name": "r", "indicator": "not a URI"}}),
    )
    .await;
    expect_tool_error(
        "422 with data",
        &r,
        &[
            "422",
            "guard.invalid_input",
            "Request body is invalid.",
            r#"{"field":"indicator"}"#,
        ],
    );

    mock.reject_bearer(TOKEN);
    let r = call_ok(&client, "getadminconsoleconfig", json!({})).await;
    expect_tool_error("401", &r, &["401", "auth.unauthorized"]);
    assert!(
        !text(&r).contains(TOKEN),
        "the token never shows: {}",
        text(&r)
    );

    assert_eq!(
        mock.take_requests().len(),
        6,
        "one upstream request per call, no retries"
    );
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

/// Logto answers some writes with a plain-text `Created` or `OK`: a success saying so, without structured content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_success_is_a_successful_tool_result() {
    let (mock, gw, client) = setup(|o| o).await;
    mock.set_default(Reply::raw(201, "text/plain; charset=utf-8", "Created"));
    let r = call_ok(
        &client,
        "assignapplicationroles",
        json!({"applicationId": "app-1", "body": {"roleIds": ["r1"]}}),
    )
    .await;
    assert!(!is_error(&r), "{r}");
    assert!(r.get("structuredContent").is_none(), "{r}");
    assert_eq!(
        text(&r),
        "Done: the upstream answered 201 with the text: Created"
    );
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_upstream_answer_is_a_tool_error() {
    let (mock, gw, client) = setup(|o| o).await;
    mock.set_default(Reply::json(200, "{not json"));
    let r = call_ok(&client, "getapplication", json!({"id": "x"})).await;
    expect_tool_error("invalid JSON", &r, &["invalid"]);
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_a_tool_error() {
    let gw = McpGateway::start(&GatewayOptions::bearer(
        format!("http://127.0.0.1:{}", free_port()),
        TOKEN,
    ))
    .await;
    let client = connect(&gw, None).await;
    for (tool, args) in [
        ("listapplications", json!({"page": 1})),
        (
            "createapplication",
            json!({"body": {"name": "x", "type": "MachineToMachine"}}),
        ),
    ] {
        let start = Instant::now();
        let r = call_ok(&client, tool, args).await;
        let t = expect_tool_error(tool, &r, &[]);
        assert!(t.to_ascii_lowercase().contains("connect"), "{tool}: {t:?}");
        assert!(!t.contains(TOKEN), "{tool}: the token never shows: {t:?}");
        assert!(start.elapsed() < Duration::from_secs(5), "{tool}: prompt");
    }
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_a_tool_error_after_the_configured_timeout() {
    let (mock, gw, client) = setup(|o| o.upstream_timeout(0.3)).await;
    mock.set_default(Reply::json(200, "{}").delay(Duration::from_secs(3)));
    let start = Instant::now();
    let r = call_ok(&client, "getapplication", json!({"id": "slow"})).await;
    let elapsed = start.elapsed();
    let t = expect_tool_error("timeout", &r, &[]);
    assert!(t.contains("timeout"), "{t:?}");
    assert_took(
        "answered",
        elapsed,
        Duration::from_millis(250),
        Duration::from_secs(2),
    );
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

/// Values that must stay inside their path segment.
const HOSTILE: &[&str] = &[
    "a/b",
    "..",
    ".",
    "",
    "%2e%2e",
    "%2F",
    "?x",
    "#",
    "a?b#c",
    "a\r\nX-Injected: 1",
    "../admin",
    "..%2f..%2fadmin",
    "a b",
    "é",
    "\u{0}",
    "~user",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_path_values_stay_one_segment_or_are_refused() {
    let (mock, gw, client) = setup(|o| o).await;
    mock.set_default(Reply::json(200, r#"{"ok":true}"#));
    let mut forwarded = 0;
    let mut refused = 0;
    for v in HOSTILE {
        // (tool, arguments, expected path when forwarded)
        let calls = [
            (
                "getapplication",
                json!({"id": v}),
                format!("/api/applications/{}", encode_segment(v)),
            ),
            (
                "deleteapplicationrole",
                json!({"applicationId": v, "roleId": "r"}),
                format!("/api/applications/{}/roles/r", encode_segment(v)),
            ),
            (
                "deleteapplicationrole",
                json!({"applicationId": "a", "roleId": v}),
                format!("/api/applications/a/roles/{}", encode_segment(v)),
            ),
            (
                "deleteapplicationsecret",
                json!({"id": "a", "name": v}),
                format!("/api/applications/a/secrets/{}", encode_segment(v)),
            ),
        ];
        for (tool, args, expected) in calls {
            let what = format!("{tool} {args}");
            let r = call_ok(&client, tool, args).await;
            let got = mock.take_requests();
            if is_error(&r) {
                assert!(
                    got.is_empty(),
                    "{what}: refused, yet the upstream got {got:?}"
                );
                assert!(!text(&r).is_empty(), "{what}: a refusal says why");
                refused += 1;
            } else {
                assert!(
                    !["", ".", ".."].contains(v),
                    "{what}: `\"\"`, `.` and `..` are refused (README rule 6)"
                );
                assert_eq!(got.len(), 1, "{what}: one upstream request");
                assert_eq!(got[0].path, expected, "{what}: one encoded segment");
                assert_eq!(got[0].query, None, "{what}: no query added");
                forwarded += 1;
            }
        }
    }
    assert_eq!(refused, 12, "\"\", `.` and `..`, in each of 4 positions");
    assert_eq!(forwarded + refused, HOSTILE.len() * 4);
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_query_values_stay_values() {
    let (mock, gw, client) = setup(|o| o).await;
    mock.set_default(Reply::json(200, "[]"));
    let r = call_ok(
        &client,
        "listapplications",
        json!({
            "types": "a&b=c#d",
            "excludeRoleId": "x\r\ny",
            "search_params": {"k&x=1": "v#w", "sp ace": "+%20"},
        }),
    )
    .await;
    assert!(!is_error(&r), "{r}");
    let got = mock.take_requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/api/applications");
    let expected = vec![
        QueryPart::Pair("types".into(), "a&b=c#d".into()),
        QueryPart::Pair("excludeRoleId".into(), "x\r\ny".into()),
        QueryPart::Exploded(vec![
            ("k&x=1".into(), "v#w".into()),
            ("sp ace".into(), "+%20".into()),
        ]),
    ];
    query_matches(&expected, &got[0].query_pairs())
        .unwrap_or_else(|e| panic!("query {:?}: {e}", got[0].query));
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// Inbound checks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbound_token_is_required_on_mcp_when_configured() {
    let (mock, gw, client) = setup(|o| o.auth_token(INBOUND)).await;
    // The authenticated client works.
    assert_eq!(client.list_all_tools().await.unwrap().len(), 60);
    let r = call_ok(&client, "getapplication", json!({"id": "a"})).await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(mock.take_requests().len(), 1);

    let call_body = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"getapplication","arguments":{"id":"a"}}}"#;
    for (what, auth) in [
        ("no Authorization", None),
        ("wrong token", Some(format!("Bearer {INBOUND}x"))),
        (
            "token prefix",
            Some(format!("Bearer {}", &INBOUND[..INBOUND.len() - 1])),
        ),
        ("other scheme", Some(format!("Basic {INBOUND}"))),
        ("bare token", Some(INBOUND.to_owned())),
        ("the Logto token", Some(format!("Bearer {TOKEN}"))),
    ] {
        for body in [INITIALIZE, call_body] {
            let extra: Vec<(&str, &str)> =
                auth.iter().map(|a| ("authorization", a.as_str())).collect();
            let (status, text) = raw_post(&gw, body, &extra).await;
            assert_eq!(status, 401, "{what}: {text}");
        }
    }
    // The scheme is case-insensitive.
    let lower = format!("bearer {INBOUND}");
    let (status, text) = raw_post(&gw, INITIALIZE, &[("authorization", &lower)]).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        mock.take_requests().is_empty(),
        "refused calls never reach the upstream"
    );

    // rmcp's client without the token cannot connect.
    let refused = ().serve(transport(&gw, None)).await;
    assert!(refused.is_err(), "connecting without the token fails");
    // /healthz stays open.
    let h = http_client()
        .get(format!("{}/healthz", gw.url))
        .send()
        .await
        .unwrap();
    assert_eq!(h.status().as_u16(), 200);
    client.cancel().await.unwrap();
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_outside_the_allow_list_are_403() {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(
        &GatewayOptions::bearer(mock.url(), TOKEN).mcp_allowed_host("gw.example.com"),
    )
    .await;
    let port = gw.addr.port();
    let call_body = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"getapplication","arguments":{"id":"a"}}}"#;
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        "localhost.evil.example".to_owned(),
        "127.0.0.1.nip.io".to_owned(),
        "gw.example.com.evil.example".to_owned(),
        "evil-gw.example.com".to_owned(),
        "example.com".to_owned(),
    ] {
        for body in [INITIALIZE, call_body] {
            let (status, text) = raw_post(&gw, body, &[("host", &host)]).await;
            assert_eq!(status, 403, "Host {host}: {text}");
        }
    }
    assert!(
        mock.take_requests().is_empty(),
        "refused calls never reach the upstream"
    );
    let allowed = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "localhost".to_owned(),
        "gw.example.com".to_owned(),
        format!("gw.example.com:{port}"),
        "GW.Example.COM".to_owned(),
    ];
    for host in &allowed {
        for body in [INITIALIZE, call_body] {
            let (status, text) = raw_post(&gw, body, &[("host", host)]).await;
            assert_eq!(status, 200, "Host {host}: {text}");
        }
    }
    assert_eq!(mock.take_requests().len(), allowed.len());
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origins_outside_the_allow_list_are_403() {
    let mock = MockUpstream::start().await;
    // No allowed origin: any browser origin is refused.
    let gw = McpGateway::start(&GatewayOptions::bearer(mock.url(), TOKEN)).await;
    let (status, text) = raw_post(&gw, INITIALIZE, &[("origin", "http://evil.example")]).await;
    assert_eq!(status, 403, "{text}");
    let (status, text) = raw_post(&gw, INITIALIZE, &[]).await;
    assert_eq!(status, 200, "no Origin passes: {text}");
    gw.stop().await.unwrap();

    let gw = McpGateway::start(
        &GatewayOptions::bearer(mock.url(), TOKEN).mcp_allowed_origin("http://app.example"),
    )
    .await;
    let call_body = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"getapplication","arguments":{"id":"a"}}}"#;
    for origin in [
        "http://evil.example",
        "http://app.example.evil.example",
        "http://evilapp.example",
        "https://app.example",
        "http://app.example.",
        "null",
    ] {
        for body in [INITIALIZE, call_body] {
            let (status, text) = raw_post(&gw, body, &[("origin", origin)]).await;
            assert_eq!(status, 403, "Origin {origin}: {text}");
        }
    }
    assert!(
        mock.take_requests().is_empty(),
        "refused calls never reach the upstream"
    );
    let (status, text) = raw_post(&gw, INITIALIZE, &[("origin", "http://app.example")]).await;
    assert_eq!(status, 200, "the allowed origin: {text}");
    let (status, text) = raw_post(&gw, call_body, &[("origin", "http://app.example")]).await;
    assert_eq!(status, 200, "the allowed origin: {text}");
    assert_eq!(
        mock.take_requests().len(),
        1,
        "the allowed call reached the upstream"
    );
    gw.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// Shutdown

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_open_connections_completes_promptly() {
    let (mock, gw, client) = setup(|o| o).await;
    let addr = gw.addr;
    // An open rmcp session that has been used.
    assert_eq!(client.list_all_tools().await.unwrap().len(), 60);
    // An idle keep-alive connection.
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let resp = http
        .post(gw.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(INITIALIZE)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let _ = resp.bytes().await.unwrap();
    // A connection that sent nothing.
    let _silent = tokio::net::TcpStream::connect(addr).await.unwrap();

    let start = Instant::now();
    let stopped = gw.stop_within(Duration::from_secs(5)).await;
    let elapsed = start.elapsed();
    match stopped {
        Some(Ok(())) => {}
        Some(Err(e)) => panic!("serve failed: {e}"),
        None => panic!("the MCP adapter did not stop within 5 s with open connections"),
    }
    assert!(
        elapsed < Duration::from_secs(2),
        "shutdown took {elapsed:?}"
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after the shutdown"
    );
    drop(client);
    drop(mock);
}

/// `server::serve` lets in-flight requests finish on shutdown (the REST adapter does: `rest_faults`), and
/// `mcp_app` documents that cancelling ends open *streams*. With JSON responses a tool call is a plain request; one in
/// flight when the adapter shuts down should get its result, not be cut off after the upstream already acted on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_in_flight_at_shutdown_gets_its_result() {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(&GatewayOptions::bearer(mock.url(), TOKEN)).await;
    mock.set_default(Reply::json(200, r#"{"done":true}"#).delay(Duration::from_millis(800)));
    let url = gw.mcp_url();
    let call = tokio::spawn(async move {
        raw_post_to(
            &url,
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"deleteapplication","arguments":{"id":"a"}}}"#,
            &[],
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mock.requests().len(), 1, "the call reached the upstream");
    let start = Instant::now();
    let stopped = gw.stop_within(Duration::from_secs(5)).await;
    assert!(matches!(stopped, Some(Ok(()))), "{stopped:?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "bounded by the in-flight call"
    );
    let (status, body) = call.await.unwrap();
    assert_eq!(status, 200, "the in-flight call's answer: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["id"], 7, "{v}");
    assert_eq!(
        v["result"]["structuredContent"],
        json!({"done": true}),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_with_a_port_matches_that_port_only() {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(
        &GatewayOptions::bearer(mock.url(), TOKEN)
            .mcp_allowed_origin("http://app.example:8443")
            .mcp_allowed_origin("https://any.example:*"),
    )
    .await;
    for (origin, status) in [
        ("http://app.example:8443", 200),
        ("http://app.example:8080", 403),
        ("http://app.example", 403),
        ("https://app.example:8443", 403),
        ("https://any.example", 200),
        ("https://any.example:9999", 200),
        ("http://any.example:9999", 403),
    ] {
        let (got, text) = raw_post(&gw, INITIALIZE, &[("origin", origin)]).await;
        assert_eq!(got, status, "Origin {origin}: {text}");
    }
    gw.stop().await.unwrap();
}

/// `--mcp-allowed-origin http://app.example` names the origin `http://app.example` (port 80, RFC 6454); the flag's
/// documentation offers `:*` for any port. A page on another port is another origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_without_a_port_does_not_allow_other_ports() {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(
        &GatewayOptions::bearer(mock.url(), TOKEN).mcp_allowed_origin("http://app.example"),
    )
    .await;
    let (status, text) = raw_post(&gw, INITIALIZE, &[("origin", "http://app.example")]).await;
    assert_eq!(status, 200, "the allowed origin: {text}");
    let (status, text) = raw_post(&gw, INITIALIZE, &[("origin", "http://app.example:80")]).await;
    assert_eq!(
        status, 200,
        "the allowed origin, default port explicit: {text}"
    );
    for origin in ["http://app.example:8080", "http://app.example:3000"] {
        let (status, text) = raw_post(&gw, INITIALIZE, &[("origin", origin)]).await;
        assert_eq!(status, 403, "Origin {origin}: {text}");
    }
    gw.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// The direct `tools/call` path

/// A POST to `/mcp`: status, `Content-Type` and the body's bytes.
async fn post_bytes(gw: &McpGateway, body: &str, accept: &str) -> (u16, String, Vec<u8>) {
    let resp = http_client()
        .post(gw.mcp_url())
        .header("content-type", "application/json")
        .header("accept", accept)
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

/// Plain `tools/call` requests are answered by the gateway without an rmcp service per request; the same request
/// in a form only rmcp takes (a weighted `Accept`) must get the same answer: the same JSON where the result carries
/// the upstream's JSON (which the direct path passes on as it came), and the same bytes otherwise. Results, arrays,
/// empty answers, tool errors of every kind, unknown tools, string and numeric ids, absent or null arguments.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_tool_calls_answer_as_rmcp_does() {
    let mock = MockUpstream::start().await;
    let gw = McpGateway::start(&GatewayOptions::bearer(mock.url(), TOKEN)).await;
    mock.on(
        Some("GET"),
        "/api/applications/app1",
        Reply::json(
            200,
            r#"{"id":"app1","name":"Demo \"app\" ✓","customData":{"a":[1,2.5,null,true]}}"#,
        ),
    );
    mock.on(
        Some("GET"),
        "/api/applications",
        Reply::json(200, r#"[{"id":"a"},{"id":"b"}]"#).header("Total-Number", "42"),
    );
    mock.on(Some("DELETE"), "/api/applications/gone", Reply::empty(204));
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
        "/api/applications/html",
        Reply::raw(200, "text/html", "<html>not json</html>"),
    );
    mock.on(
        Some("GET"),
        "/api/applications/scalar",
        Reply::json(200, " 42\n"),
    );
    mock.on(
        Some("GET"),
        "/api/applications/pretty",
        Reply::json(200, "{\n  \"id\": \"pretty\",\n  \"n\": 1.50\n}\n"),
    );
    // A body that would add members to the answer if it were put in unchecked: it is not one JSON value.
    mock.on(
        Some("GET"),
        "/api/applications/inject",
        Reply::json(200, r#"{"a":1},"isError":true,"structuredContent":{"b":2}"#),
    );
    let call = |id: &str, name: &str, args: &str| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{name}"{args}}}}}"#
        )
    };
    let cases = [
        call("1", "getapplication", r#","arguments":{"id":"app1"}"#),
        call(
            r#""req-α""#,
            "getapplication",
            r#","arguments":{"id":"app1"}"#,
        ),
        call(
            "9007199254740993",
            "listapplications",
            r#","arguments":{"page":2}"#,
        ),
        call("3", "deleteapplication", r#","arguments":{"id":"gone"}"#),
        call("4", "getapplication", r#","arguments":{"id":"missing"}"#),
        call("5", "getapplication", r#","arguments":{"id":"html"}"#),
        call("6", "getapplication", r#","arguments":{}"#),
        call("7", "getapplication", r#","arguments":{"id":7}"#),
        call(
            "8",
            "getapplication",
            r#","arguments":{"id":"a","extra":1}"#,
        ),
        call("9", "getapplication", r#","arguments":{"id":".."}"#),
        call("10", "getadminconsoleconfig", ""),
        call("11", "getadminconsoleconfig", r#","arguments":null"#),
        call("12", "nosuchtool", r#","arguments":{}"#),
        call("13", "getapplication", r#","arguments":{"id":"scalar"}"#),
        call("14", "getapplication", r#","arguments":{"id":"pretty"}"#),
        call("15", "getapplication", r#","arguments":{"id":"inject"}"#),
    ];
    for body in &cases {
        let direct = post_bytes(&gw, body, "application/json, text/event-stream").await;
        let via_rmcp = post_bytes(&gw, body, "application/json;q=0.9, text/event-stream").await;
        assert_eq!(
            (direct.0, &direct.1),
            (via_rmcp.0, &via_rmcp.1),
            "status and type for {body}"
        );
        let answer: Value = serde_json::from_slice(&direct.2).unwrap();
        let rmcp_answer: Value = serde_json::from_slice(&via_rmcp.2).unwrap();
        if answer["result"].get("structuredContent").is_some() {
            // The upstream's JSON as it came, where rmcp writes it from a `Value`: the same JSON, and the same text.
            assert_eq!(answer, rmcp_answer, "body for {body}");
        } else {
            assert_eq!(
                String::from_utf8_lossy(&direct.2),
                String::from_utf8_lossy(&via_rmcp.2),
                "body for {body}"
            );
        }
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
        assert!(
            answer.get("result").is_some() || answer.get("error").is_some(),
            "{answer}"
        );
    }
    // The structured content is the upstream's JSON as it came (member order included), and so is the text.
    let direct = post_bytes(&gw, &cases[0], "application/json, text/event-stream").await;
    let upstream = r#"{"id":"app1","name":"Demo \"app\" ✓","customData":{"a":[1,2.5,null,true]}}"#;
    let direct_text = String::from_utf8(direct.2).unwrap();
    assert!(
        direct_text.contains(&format!(r#""structuredContent":{upstream},"#)),
        "{direct_text}"
    );
    let answer: Value = serde_json::from_str(&direct_text).unwrap();
    assert_eq!(answer["result"]["content"][0]["text"], upstream);
    // A value that is not an object or an array is wrapped; surrounding whitespace is not part of the JSON.
    let scalar: Value = serde_json::from_slice(
        &post_bytes(&gw, &cases[13], "application/json, text/event-stream")
            .await
            .2,
    )
    .unwrap();
    assert_eq!(scalar["result"]["structuredContent"], json!({"value": 42}));
    assert_eq!(scalar["result"]["content"][0]["text"], r#"{"value":42}"#);
    let injected: Value = serde_json::from_slice(
        &post_bytes(&gw, &cases[15], "application/json, text/event-stream")
            .await
            .2,
    )
    .unwrap();
    assert_eq!(injected["result"]["isError"], true, "{injected}");
    assert!(
        injected["result"].get("structuredContent").is_none(),
        "{injected}"
    );
    let list: Value = serde_json::from_slice(
        &post_bytes(&gw, &cases[2], "application/json, text/event-stream")
            .await
            .2,
    )
    .unwrap();
    assert_eq!(list["id"], json!(9007199254740993u64));
    assert_eq!(list["result"]["structuredContent"]["totalNumber"], 42);
    // The 11 cases that name a known tool with valid arguments reached the upstream once per form, plus the last
    // four calls.
    let reached = mock.take_requests().len();
    assert_eq!(reached, 2 * 11 + 4, "upstream requests: {reached}");
    gw.stop().await.unwrap();
}
