//! The REST adapter's own OpenAPI document, `GET /openapi.json`: every exposed operation, Logto's models as its
//! schemas, the bearer scheme when inbound authentication is on, and valid OpenAPI 3.1 by an independent validator
//! (openapi-spec-validator, installed into `tests/.venv` by `tests/python/install.sh`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::spec;
use e2e_tests::mcp_bridge::python;
use e2e_tests::{Gateway, GatewayOptions, MockUpstream, http_client};
use serde_json::{Value, json};

/// `METHOD /path/{}`: a route with its placeholders anonymised.
fn route(method: &str, path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    format!("{} {out}", method.to_uppercase())
}

/// The gateway's `GET /openapi.json`, checked to be a JSON answer.
async fn fetch(opts: &GatewayOptions) -> Value {
    let gw = Gateway::start(opts).await;
    // Public, like `/healthz`: no inbound token is sent.
    let resp = http_client()
        .get(gw.at("/openapi.json"))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp.headers().get("content-type").cloned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(ct.unwrap(), "application/json");
    body
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation_and_validates_as_3_1() {
    let mock = MockUpstream::start().await;
    let doc = fetch(&GatewayOptions::bearer(mock.url(), "t")).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(
        doc.get("security").is_none(),
        "no inbound authentication, no security"
    );

    // Every exposed operation, each once, named as the spec names it.
    let spec = spec::load();
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = op["operationId"].as_str().unwrap().to_owned();
            assert!(
                listed.insert((route(method, path), name)),
                "{method} {path} twice"
            );
        }
    }
    let exposed: BTreeSet<(String, String)> = spec
        .exposed_rest
        .iter()
        .map(|o| (route(&o.method, &o.path), o.name.clone()))
        .collect();
    assert_eq!(listed.len(), 60);
    assert_eq!(listed, exposed);

    // Logto's models: a body with its required fields and enum, a response, and the error body.
    let create = &doc["paths"]["/api/applications"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/CreateApplicationRequest"})
    );
    let request = &doc["components"]["schemas"]["CreateApplicationRequest"];
    assert_eq!(request["required"], json!(["name", "type"]));
    assert!(
        request["properties"]["type"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("MachineToMachine"))
    );
    let get = &doc["paths"]["/api/applications/{id}"]["get"];
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Application"})
    );
    assert_eq!(
        get["parameters"][0]["description"],
        "The unique identifier of the application."
    );
    assert_eq!(
        get["responses"]["default"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Error"})
    );

    // An independent validator agrees it is OpenAPI 3.1.
    let Some(py) = python() else { return };
    let file = std::env::temp_dir().join(format!("gateway-openapi-{}.json", std::process::id()));
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = std::process::Command::new(py)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python/openapi_check.py"))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""openapi": "3.1.0""#));
}

#[tokio::test]
async fn with_inbound_authentication_the_document_names_the_bearer_scheme() {
    let mock = MockUpstream::start().await;
    let mut opts = GatewayOptions::bearer(mock.url(), "t");
    opts.auth_token = Some("inbound-secret-7f3a".into());
    let doc = fetch(&opts).await;
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(!doc.to_string().contains("inbound-secret-7f3a"));
}
