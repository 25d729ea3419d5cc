//! The params fixture end to end: header parameters and array query parameters, sent by the generated client and
//! fed from REST requests and MCP tool calls, as the recording mock upstream receives them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use e2e_tests::{MockUpstream, Recorded, Reply};
use naftiko_runtime::client::{Auth, Error, Transport, TransportConfig};
use naftiko_runtime::mcp::{Dispatch, Outcome};
use serde_json::{Value, json};

use crate::params::client::{Bindings, Clients, GetShipQuery, ListShipsQuery, RegistryClient};
use crate::params::{mcp, rest};

fn clients(mock: &MockUpstream) -> Arc<Clients> {
    let transport = Transport::new(TransportConfig::new(mock.url(), Auth::None)).unwrap();
    Arc::new(Clients {
        registry: RegistryClient::new(transport),
        bindings: Bindings::from_env(),
    })
}

/// A mock upstream answering `[]` to every ship request.
async fn mock() -> MockUpstream {
    let mock = MockUpstream::start().await;
    mock.on(Some("GET"), "/ships", Reply::json(200, "[]"));
    mock.on(Some("GET"), "/ships/IMO-1", Reply::json(200, "{}"));
    mock
}

/// The one request the upstream received.
fn received(mock: &MockUpstream) -> Recorded {
    let requests = mock.api_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.into_iter().next().unwrap()
}

#[tokio::test]
async fn the_client_sends_header_parameters_and_repeats_array_keys() {
    let mock = mock().await;
    let c = clients(&mock);
    let query = ListShipsQuery {
        tag: Some(vec!["a".into(), "b c".into()]),
        status: Some("active".into()),
    };
    c.registry
        .list_ships("trace-1", Some("20"), &query)
        .await
        .unwrap();
    let r = received(&mock);
    assert_eq!(r.query.as_deref(), Some("tag=a&tag=b+c&status=active"));
    assert_eq!(r.header_all("x-trace-id"), ["trace-1"]);
    assert_eq!(r.header_all("x-page-size"), ["20"]);

    // An optional header left out is not sent; an empty array sends no key.
    let mock = self::mock().await;
    let c = clients(&mock);
    let query = GetShipQuery { ids: Vec::new() };
    c.registry.get_ship("IMO-1", None, &query).await.unwrap();
    let r = received(&mock);
    assert_eq!(r.query, None);
    assert_eq!(r.header("x-trace-id"), None);
}

#[tokio::test]
async fn a_header_value_that_cannot_be_sent_is_an_invalid_argument_naming_the_parameter() {
    let mock = mock().await;
    let c = clients(&mock);
    let err = c
        .registry
        .list_ships("line\nsecret", None, &ListShipsQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                param: "X-Trace-Id",
                ..
            }
        ),
        "{err:?}"
    );
    // The message names the parameter, never the value.
    assert!(!err.to_string().contains("secret"), "{err}");
    assert!(mock.api_requests().is_empty());
}

/// Serves `router` on a free port of 127.0.0.1; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn rest_reads_header_inputs_and_repeated_query_keys() {
    let mock = mock().await;
    let base = serve(rest::registry_rest_router(clients(&mock))).await;
    let http = reqwest::Client::new();

    let resp = http
        .get(format!("{base}/ships?tag=a&status=active&tag=b"))
        .header("X-Trace-Id", "trace-1")
        .header("X-Page-Size", "20")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let r = received(&mock);
    assert_eq!(r.query.as_deref(), Some("tag=a&tag=b&status=active"));
    assert_eq!(r.header_all("x-trace-id"), ["trace-1"]);
    assert_eq!(r.header_all("x-page-size"), ["20"]);

    // A declared header input feeds the upstream's header of another name.
    let resp = http
        .get(format!("{base}/ships/IMO-1?ids=1&ids=2"))
        .header("X-Request-Id", "req-7")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let r = mock.api_requests().pop().unwrap();
    assert_eq!(r.path, "/ships/IMO-1");
    assert_eq!(r.query.as_deref(), Some("ids=1&ids=2"));
    assert_eq!(r.header_all("x-trace-id"), ["req-7"]);
    assert_eq!(r.header("x-request-id"), None);
}

#[tokio::test]
async fn rest_refuses_missing_repeated_and_mistyped_headers() {
    let mock = mock().await;
    let base = serve(rest::registry_rest_router(clients(&mock))).await;
    let http = reqwest::Client::new();
    let problem = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        (
            body["code"].as_str().unwrap().to_owned(),
            body["message"].as_str().unwrap().to_owned(),
        )
    };

    let resp = http.get(format!("{base}/ships")).send().await.unwrap();
    assert_eq!(
        problem(resp).await,
        (
            "gateway.header_missing".to_owned(),
            "header `X-Trace-Id` is required".to_owned()
        )
    );
    let resp = http
        .get(format!("{base}/ships"))
        .header("X-Trace-Id", "t")
        .header("X-Page-Size", "many")
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(resp).await,
        (
            "gateway.header_type".to_owned(),
            "header `X-Page-Size` must be an integer, got `many`".to_owned()
        )
    );
    let resp = http
        .get(format!("{base}/ships"))
        .header("X-Trace-Id", "t1")
        .header("X-Trace-Id", "t2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(resp).await,
        (
            "gateway.header_repeated".to_owned(),
            "header `X-Trace-Id` is given more than once".to_owned()
        )
    );
    // A required array needs at least one key.
    let resp = http
        .get(format!("{base}/ships/IMO-1"))
        .header("X-Request-Id", "r")
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(resp).await,
        (
            "gateway.query_missing".to_owned(),
            "query parameter `ids` is required".to_owned()
        )
    );
    assert!(mock.api_requests().is_empty());
}

#[tokio::test]
async fn mcp_takes_headers_as_string_arguments_and_arrays_as_json_arrays() {
    let mock = mock().await;
    let server = mcp::RegistryToolsServer::new(clients(&mock));
    let call = |tool: &'static str, args: Value| {
        let server = server.clone();
        async move {
            Dispatch::call_tool(&server, tool, args.as_object().cloned())
                .await
                .unwrap()
        }
    };

    let outcome = call(
        "list-ships",
        json!({"X-Trace-Id": "trace-1", "X-Page-Size": 5, "tags": ["a", "b"]}),
    )
    .await;
    assert!(matches!(outcome, Outcome::Called(Ok(_))), "{outcome:?}");
    let r = received(&mock);
    assert_eq!(r.query.as_deref(), Some("tag=a&tag=b"));
    assert_eq!(r.header_all("x-trace-id"), ["trace-1"]);
    assert_eq!(r.header_all("x-page-size"), ["5"]);

    // A literal in `with:` feeds the header; the array is required as its parameter is.
    let outcome = call("get-ship", json!({"imo": "IMO-1", "ids": ["x"]})).await;
    assert!(matches!(outcome, Outcome::Called(Ok(_))), "{outcome:?}");
    let r = mock.api_requests().pop().unwrap();
    assert_eq!(r.query.as_deref(), Some("ids=x"));
    assert_eq!(r.header_all("x-trace-id"), ["trace-from-the-tool"]);

    // The input schema says what the tool checks.
    let def = mcp::REGISTRY_TOOLS_TOOLS
        .iter()
        .find(|t| t.name == "list-ships")
        .unwrap();
    let schema: Value = serde_json::from_str(def.input_schema).unwrap();
    assert_eq!(
        schema["properties"]["tags"]["items"],
        json!({"type": "string"})
    );
    assert_eq!(schema["required"], json!(["X-Trace-Id"]));
    for (args, message) in [
        (
            json!({"X-Trace-Id": "t", "tags": "a"}),
            "argument `tags` must be an array of strings, got a string",
        ),
        (
            json!({"X-Trace-Id": "t", "tags": ["a", 1]}),
            "argument `tags` must be an array of strings; `tags[1]` is an integer",
        ),
        (
            json!({"tags": ["a"]}),
            "missing required argument `X-Trace-Id` (string)",
        ),
    ] {
        assert!(!jsonschema::is_valid(&schema, &args), "{args}");
        let outcome = call("list-ships", args.clone()).await;
        let Outcome::Refused(refusal) = outcome else {
            panic!("{args}: {outcome:?}");
        };
        let text = format!("{refusal:?}");
        assert!(text.contains(message), "{args}: {text}");
    }
    assert_eq!(mock.api_requests().len(), 2);
}
