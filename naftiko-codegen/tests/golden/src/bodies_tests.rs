//! The bodies fixture end to end: each body template, filled from a tool's arguments or a REST request's inputs,
//! reaches the recording mock upstream as the spec writes it, with its content type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use e2e_tests::{MockUpstream, Recorded, Reply};
use naftiko_runtime::client::{Auth, Transport, TransportConfig};
use naftiko_runtime::mcp::{Dispatch, Outcome};
use serde_json::{Value, json};

use crate::bodies::client::{Bindings, Clients, ShipyardClient};
use crate::bodies::{mcp, rest};

fn clients(mock: &MockUpstream) -> Arc<Clients> {
    let transport = Transport::new(TransportConfig::new(mock.url(), Auth::None)).unwrap();
    Arc::new(Clients {
        shipyard: ShipyardClient::new(transport),
        bindings: Bindings::from_env(),
    })
}

/// Calls `tool` with `args` and returns what the upstream received.
async fn sent_by_tool(tool: &str, args: Value) -> Recorded {
    let mock = MockUpstream::start().await;
    for path in ["/voyages", "/messages"] {
        mock.on(None, path, Reply::json(200, "{}"));
    }
    let server = mcp::BodiesMcpServer::new(clients(&mock));
    let outcome = Dispatch::call_tool(&server, tool, args.as_object().cloned())
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Called(Ok(_))), "{outcome:?}");
    let mut sent = mock.api_requests();
    assert_eq!(sent.len(), 1);
    sent.remove(0)
}

#[tokio::test]
async fn a_json_template_is_filled_with_escaped_strings_and_json_values() {
    let sent = sent_by_tool(
        "create-voyage",
        json!({"shipImo": "IMO-1\", \"admin\": \"true", "port": "Brest", "crewIds": {"a": "1"}, "days": 12}),
    )
    .await;
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.header("content-type").as_deref(),
        Some("application/json")
    );
    // A quote in a value stays inside its string: no value can add a member.
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body,
        json!({
            "shipImo": "IMO-1\", \"admin\": \"true",
            "note": "from Brest \"as planned\"",
            "crewIds": {"a": "1"},
            "days": 12
        })
    );
}

#[tokio::test]
async fn a_text_body_takes_its_values_as_they_are_and_a_fixed_body_is_sent_as_written() {
    let sent = sent_by_tool(
        "post-note",
        json!({"name": "Ana", "text": "all <good> & well"}),
    )
    .await;
    assert_eq!(sent.method, "PUT");
    assert_eq!(
        sent.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(sent.body_text(), "Note for Ana: all <good> & well");

    let sent = sent_by_tool("post-fixed", json!({})).await;
    assert_eq!(sent.body_text(), r#"{"filter":{"status":"committed"}}"#);
}

#[tokio::test]
async fn a_form_body_is_filled_from_a_rest_requests_path_and_query() {
    let mock = MockUpstream::start().await;
    mock.on(
        Some("POST"),
        "/messages",
        Reply::json(201, r#"{"sid":"m1"}"#),
    );
    let router = rest::bodies_rest_router(clients(&mock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let resp = reqwest::Client::new()
        .post(format!(
            "{base}/messages/+33%20600&x?name=Zo%C3%A9%20%26%20Bo"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let sent = mock.api_requests();
    assert_eq!(sent.len(), 1);
    // `channel` has a literal value, `ref` the value of the input `to`.
    assert_eq!(
        sent[0].query.as_deref(),
        Some("channel=sms&ref=%2B33+600%26x")
    );
    assert_eq!(
        sent[0].header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let fields: Vec<(String, String)> =
        form_urlencoded::parse(&sent[0].body).into_owned().collect();
    assert_eq!(
        fields,
        [
            ("Body".to_owned(), "Hello Zoé & Bo & co".to_owned()),
            ("To".to_owned(), "+33 600&x".to_owned()),
        ]
    );
}

#[tokio::test]
async fn rest_inputs_read_from_the_request_body_fill_the_template() {
    let mock = MockUpstream::start().await;
    mock.on(Some("POST"), "/voyages", Reply::json(201, r#"{"id":"v1"}"#));
    let router = rest::bodies_rest_router(clients(&mock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::new();
    let post = |body: Value| {
        http.post(format!("{base}/voyages"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };

    let resp =
        post(json!({"ship": {"imo": "IMO-9", "port": "Oslo"}, "crew": {"a": "1"}, "days": 3}))
            .await
            .unwrap();
    assert_eq!(resp.status(), 201);
    let sent = mock.api_requests();
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(
        body,
        json!({"shipImo": "IMO-9", "note": "from Oslo \"as planned\"", "crewIds": {"a": "1"}, "days": 3})
    );

    // A missing value and a value of another type are the caller's errors, named; the upstream is not called.
    for (request, code, message) in [
        (
            json!({"ship": {"imo": "IMO-9", "port": "Oslo"}, "crew": {}}),
            "gateway.body_input_missing",
            "input `days` (`$.days` of the request body) is required",
        ),
        (
            json!({"ship": {"imo": 9, "port": "Oslo"}, "crew": {}, "days": 3}),
            "gateway.body_input_type",
            "input `shipImo` (`$.ship.imo` of the request body) must be a string",
        ),
    ] {
        let resp = post(request).await.unwrap();
        assert_eq!(resp.status(), 400);
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(
            (problem["code"].as_str(), problem["message"].as_str()),
            (Some(code), Some(message))
        );
    }
    assert_eq!(mock.api_requests().len(), 1);
}

/// The REST adapter's OpenAPI document describes the inputs read from the body as the body's members, nested as their
/// paths say.
#[test]
fn body_inputs_are_the_request_bodys_members_in_the_openapi_document() {
    let doc: Value = serde_json::from_str(rest::BODIES_REST_OPENAPI).unwrap();
    let body = &doc["paths"]["/voyages"]["post"]["requestBody"];
    assert_eq!(body["required"], true);
    let schema = &body["content"]["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["crew", "days"]));
    assert_eq!(
        schema["properties"]["ship"]["properties"]["imo"],
        json!({"type": "string", "description": "The input `shipImo`."})
    );
    assert_eq!(
        schema["properties"]["ship"]["properties"]["port"]["type"],
        "string"
    );
    assert_eq!(
        schema["properties"]["crew"]["additionalProperties"],
        json!({"type": "string"})
    );
    // Body inputs are not parameters.
    assert!(doc["paths"]["/voyages"]["post"].get("parameters").is_none());
}
