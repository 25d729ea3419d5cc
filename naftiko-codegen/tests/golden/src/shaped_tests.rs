//! The shaped fixture end to end: its REST router and MCP server, in front of the recording mock upstream, answer
//! the JSON their output parameters shape, and each tool's structured content fits the output schema it announces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use e2e_tests::{MockUpstream, Reply};
use naftiko_runtime::client::{Auth, Transport, TransportConfig};
use naftiko_runtime::mcp::{Dispatch, Outcome};
use serde_json::{Value, json};

use crate::shaped::client::{Bindings, Clients, RegistryClient};
use crate::shaped::{mcp, rest};

const SHIP: &str = r#"{"imo_number": "IMO-1", "vessel_name": "Aurora", "year_built": 2001, "gross_tonnage": "big",
  "dimensions": {"length_overall": 210.5, "beam": 32},
  "crew": [{"name": "Ana", "rank": "captain"}, {"name": "Bo"}, {"rank": "cook"}],
  "tags": ["a", "b"], "secret": "not shaped"}"#;

fn clients(mock: &MockUpstream) -> Arc<Clients> {
    let transport = Transport::new(TransportConfig::new(mock.url(), Auth::None)).unwrap();
    Arc::new(Clients {
        registry: RegistryClient::new(transport),
        bindings: Bindings::from_env(),
    })
}

/// Serves `router` on a free port of 127.0.0.1; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn rest_answers_the_shaped_json_in_spec_order_with_null_for_what_is_missing() {
    let mock = MockUpstream::start().await;
    mock.on(Some("GET"), "/ships/IMO-1", Reply::json(200, SHIP));
    let base = serve(rest::shipyard_rest_router(clients(&mock))).await;

    let resp = reqwest::get(format!("{base}/ships/IMO-1")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let text = resp.text().await.unwrap();
    // Members come in the spec's order, not the upstream's or an alphabetical one.
    assert!(
        text.starts_with(r#"{"imo":"IMO-1","name":"Aurora","kind":"vessel","schema":2,"specs":{"yearBuilt":2001,"#),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body,
        json!({
            "imo": "IMO-1",
            "name": "Aurora",
            "kind": "vessel",
            "schema": 2,
            // `gross_tonnage` is not a number: null, like anything missing.
            "specs": {"yearBuilt": 2001, "tonnage": null, "length": 210.5},
            // A mapped object the upstream did not send.
            "owner": null,
            "captain": "Ana",
            "crewNames": ["Ana", "Bo"],
            "crew": [
                {"name": "Ana", "rank": "captain"},
                {"name": "Bo", "rank": null},
                {"name": null, "rank": "cook"},
            ],
            "tags": ["a", "b"],
            "raw": {"length_overall": 210.5, "beam": 32},
        })
    );
    assert_eq!(mock.api_requests()[0].path, "/ships/IMO-1");
}

#[tokio::test]
async fn rest_shapes_each_element_keeps_pagination_and_passes_errors_through() {
    let mock = MockUpstream::start().await;
    mock.on(
        Some("GET"),
        "/ships",
        Reply::json(
            200,
            r#"[{"imo_number": "IMO-1", "vessel_name": "Aurora", "flag": "PT"}, {"imo_number": "IMO-2"}]"#,
        )
        .header("Total-Number", "2"),
    );
    mock.on(
        Some("GET"),
        "/ships/IMO-9",
        Reply::json(
            404,
            r#"{"code": "ship.not_found", "message": "No such ship."}"#,
        ),
    );
    let base = serve(rest::shipyard_rest_router(clients(&mock))).await;

    let resp = reqwest::get(format!("{base}/ships")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["total-number"], "2");
    assert_eq!(
        resp.text().await.unwrap(),
        r#"[{"imo":"IMO-1","name":"Aurora"},{"imo":"IMO-2","name":null}]"#
    );

    // A shape of constants reads nothing of the answer but still needs one.
    let resp = reqwest::get(format!("{base}/version")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"version":"1"}"#);

    let resp = reqwest::get(format!("{base}/ships/IMO-9")).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.text().await.unwrap(),
        r#"{"code": "ship.not_found", "message": "No such ship."}"#
    );
}

/// Calls `tool` and returns its structured content, checked against the output schema the tool announces.
async fn call(server: &mcp::ShipyardToolsServer, tool: &str, args: Value) -> Value {
    let outcome = Dispatch::call_tool(server, tool, args.as_object().cloned())
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Called(Ok(_))), "{outcome:?}");
    let result = outcome.into_result();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let content = result.structured_content.unwrap();
    let def = mcp::SHIPYARD_TOOLS_TOOLS
        .iter()
        .find(|t| t.name == tool)
        .unwrap();
    let schema: Value = serde_json::from_str(def.output_schema.unwrap()).unwrap();
    assert!(
        jsonschema::is_valid(&schema, &content),
        "{tool}: {content} does not fit {schema}"
    );
    content
}

#[tokio::test]
async fn mcp_tools_answer_shaped_structured_content_that_fits_their_output_schema() {
    let mock = MockUpstream::start().await;
    mock.on(
        Some("GET"),
        "/ships",
        Reply::json(
            200,
            r#"[{"imo_number": "IMO-1", "operational_status": "active"}, {"imo_number": "IMO-2"}]"#,
        )
        .header("Total-Number", "7"),
    );
    mock.on(Some("GET"), "/ships/IMO-1", Reply::json(200, SHIP));
    mock.on(
        Some("POST"),
        "/databases/db1/query",
        Reply::json(
            200,
            r#"{"results": [
              {"properties": {"Name": {"title": [{"text": {"content": "Hull"}}]}, "Status": {"select": {"name": "Committed"}}}},
              {"properties": {"Name": {"title": []}}}
            ]}"#,
        ),
    );
    let server = mcp::ShipyardToolsServer::new(clients(&mock));

    assert_eq!(
        call(&server, "list-ships", json!({})).await,
        json!({
            "items": [
                {"imo": "IMO-1", "status": "active"},
                {"imo": "IMO-2", "status": null},
            ],
            "totalNumber": 7,
        })
    );
    assert_eq!(
        call(&server, "ship-name", json!({"imo_number": "IMO-1"})).await,
        json!({"value": "Aurora"})
    );
    assert_eq!(
        call(&server, "query-db", json!({"id": "db1", "body": {}})).await,
        json!({"items": [
            {"name": "Hull", "status": "Committed"},
            {"name": null, "status": null},
        ]})
    );
    assert_eq!(
        call(&server, "ship-flags", json!({"imo_number": "IMO-1"})).await,
        json!({"ok": true, "perCrew": ["member", "member", "member"], "owner": null})
    );
    // `$.tables[0]` reaches nothing: the object is null, wrapped as any value that is not an object.
    assert_eq!(
        call(&server, "first-table", json!({"imo_number": "IMO-1"})).await,
        json!({"value": null})
    );
}

/// Each shaped tool announces the schema of its shape; REST's OpenAPI document gives it as the response.
#[test]
fn output_schemas_come_from_the_shape() {
    let schema = |name: &str| -> Value {
        let def = mcp::SHIPYARD_TOOLS_TOOLS
            .iter()
            .find(|t| t.name == name)
            .unwrap();
        serde_json::from_str(def.output_schema.unwrap()).unwrap()
    };
    assert_eq!(
        schema("ship-name"),
        json!({"type": "object", "properties": {"value": {"type": ["string", "null"]}}, "required": ["value"]})
    );
    let list = schema("list-ships");
    assert_eq!(
        list["properties"]["items"]["items"],
        json!({
            "type": "object",
            "properties": {"imo": {"type": ["string", "null"]}, "status": {"type": ["string", "null"]}},
            "required": ["imo", "status"],
        })
    );
    let doc: Value = serde_json::from_str(rest::SHIPYARD_REST_OPENAPI).unwrap();
    let ok = &doc["paths"]["/ships/{imo}"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        ok["properties"]["schema"],
        json!({"type": "integer", "const": 2})
    );
    assert_eq!(
        ok["properties"]["crewNames"],
        json!({"type": "array", "items": {"type": ["string", "null"]}})
    );
    assert_eq!(ok["properties"]["owner"]["type"], json!(["object", "null"]));
}
