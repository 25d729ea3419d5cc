//! The OpenAPI overlay: which operations a document types, the warnings for what it does not, and the names and
//! models it gives — on Logto's spec with Logto's two documents, and on small specs made to disagree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use naftiko_codegen::ir::{Capability, ResponseModel};
use naftiko_codegen::openapi::{Document, Overlay};
use naftiko_codegen::{Code, Compiled, Config, Error, Pos, Renames, Severity, compile_typed};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(MANIFEST_DIR).join(path)).unwrap()
}

fn overlay(display: &str, text: &str) -> Vec<Overlay> {
    vec![Overlay {
        namespace: None,
        document: Document::parse(display, text).unwrap(),
    }]
}

fn openapi_warnings(c: &Compiled) -> Vec<(Pos, String)> {
    c.diagnostics
        .sorted()
        .into_iter()
        .filter(|d| d.code == Code::OpenApi)
        .inspect(|d| assert_eq!(d.severity, Severity::Warning, "{}", d.message))
        .map(|d| (d.pos, d.message))
        .collect()
}

fn typed(cap: &Capability) -> Vec<&str> {
    cap.apis[0]
        .operations
        .iter()
        .filter(|o| o.typing.is_some())
        .map(|o| o.name.as_str())
        .collect()
}

/// The Logto spec typed by the document at `path` (relative to the crate), which diagnostics call `display`.
fn logto_typed_by(display: &str, path: &str) -> Compiled {
    compile_typed(
        &read("../spec/logto.naftiko.yaml"),
        &Renames::new(),
        &overlay(display, &read(path)),
    )
}

#[test]
fn logto_oss_types_58_of_the_60_operations() {
    let c = logto_typed_by("spec/logto.openapi.json", "../spec/logto.openapi.json");
    let cap = c.ir.as_ref().expect("the spec compiles");
    assert_eq!(typed(cap).len(), 58);
    assert_eq!(
        openapi_warnings(&c),
        [
            (
                Pos::new(393, 15),
                "`logto.getoidcsessionconfig` (GET /api/configs/oidc/session) is not in spec/logto.openapi.json: it stays untyped (raw JSON)".to_owned()
            ),
            (
                Pos::new(401, 15),
                "`logto.updateoidcsessionconfig` (PATCH /api/configs/oidc/session) is not in spec/logto.openapi.json: it stays untyped (raw JSON)".to_owned()
            ),
        ]
    );
    let ops = &cap.apis[0].operations;
    let op = |name: &str| ops.iter().find(|o| o.name == name).unwrap();
    // Names from the operationId; the untyped operation keeps its spec name.
    assert_eq!(op("listapplications").ident, "list_applications");
    assert_eq!(
        op("listapplications").query_type.as_deref(),
        Some("ListApplicationsQuery")
    );
    assert_eq!(op("listapplications").raw_ident, "list_applications_raw");
    assert_eq!(op("getoidcsessionconfig").ident, "getoidcsessionconfig");
    assert_eq!(op("getoidcsessionconfig").raw_ident, "getoidcsessionconfig");
    // Models: a body, a `GetX` response named `X`, a list of items, an empty response.
    let t = |name: &str| &op(name).typing.as_ref().unwrap().types;
    assert_eq!(
        t("createapplication").body.as_deref(),
        Some("CreateApplicationRequest")
    );
    assert_eq!(
        t("getapplication").response,
        ResponseModel::Named("Application".into())
    );
    assert!(matches!(
        t("listapplications").response,
        ResponseModel::ListOf(_)
    ));
    assert_eq!(t("deleteapplication").response, ResponseModel::Empty);
    // A parameter the spec describes as its own name gets the document's description.
    let id = &op("getapplication").path_params[0];
    assert_eq!(
        id.description.as_deref(),
        Some("The unique identifier of the application.")
    );
}

#[test]
fn logto_cloud_types_56_of_the_60_operations() {
    let c = logto_typed_by("cloud.json", "tests/openapi/logto-cloud-2025-01.json");
    let cap = c.ir.as_ref().expect("the spec compiles");
    assert_eq!(typed(cap).len(), 56);
    let missing: Vec<String> = openapi_warnings(&c).into_iter().map(|(_, m)| m).collect();
    assert_eq!(missing.len(), 4, "{missing:#?}");
    for op in [
        "getoidcsessionconfig",
        "updateoidcsessionconfig",
        "getidtokenconfig",
        "upsertidtokenconfig",
    ] {
        assert!(
            missing.iter().any(|m| m.contains(&format!("`logto.{op}`"))),
            "{op}: {missing:#?}"
        );
    }
}

const SPEC: &str = r#"naftiko: 1.0.0-alpha2
info:
  label: Widgets
capability:
  consumes:
    - type: http
      namespace: shop
      baseUri: https://shop.example
      resources:
        - name: widgets
          path: /widgets
          operations:
            - name: listwidgets
              method: GET
              inputParameters:
                - name: page
                  in: query
                  type: string
                - name: colour
                  in: query
                  type: string
        - name: widget
          path: /widgets/{widgetId}
          operations:
            - name: getwidget
              method: GET
            - name: patchwidget
              method: PATCH
        - name: gadgets
          path: /gadgets
          operations:
            - name: listgadgets
              method: GET
  exposes:
    - type: mcp
      port: 9090
      namespace: shop-mcp
      tools:
        - name: patchwidget
          description: Change a widget.
          call: shop.patchwidget
"#;

const DOC: &str = r##"{
  "openapi": "3.0.1",
  "info": {"title": "Shop", "version": "1"},
  "paths": {
    "/widgets": {"get": {
      "operationId": "ListWidgets",
      "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}}}}}}
    }},
    "/widgets/{id}": {
      "get": {
        "operationId": "GetWidget",
        "parameters": [{"name": "id", "in": "path", "required": true, "description": "The widget's id.", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}}}
      },
      "patch": {
        "operationId": "UpdateWidget",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["size"],
          "properties": {"size": {"type": "string", "enum": ["S", "M", "L"], "description": "The widget's size."}, "note": {"type": "string", "nullable": true}}
        }}}},
        "responses": {"204": {"description": "done"}}
      }
    }
  },
  "components": {"schemas": {"Widget": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "size": {"type": "string", "enum": ["S", "M", "L"]}}}}}
}"##;

#[test]
fn what_the_document_lacks_or_types_otherwise_is_a_warning_naming_both_places() {
    let c = compile_typed(SPEC, &Renames::new(), &overlay("shop.json", DOC));
    let cap = c.ir.as_ref().expect("warnings only");
    assert_eq!(typed(cap), ["listwidgets", "getwidget", "patchwidget"]);
    let w = openapi_warnings(&c);
    assert_eq!(w.len(), 3, "{w:#?}");
    assert_eq!(
        w[0],
        (
            Pos::new(16, 25),
            "query parameter `page` of `shop.listwidgets` is `string` here and `integer` in shop.json#/paths/~1widgets/get/parameters/0".into()
        )
    );
    assert_eq!(
        w[1],
        (
            Pos::new(19, 25),
            "query parameter `colour` of `shop.listwidgets` is not in shop.json#/paths/~1widgets/get: it is sent as the spec declares it".into()
        )
    );
    assert_eq!(
        w[2],
        (
            Pos::new(32, 15),
            "`shop.listgadgets` (GET /gadgets) is not in shop.json: it stays untyped (raw JSON)"
                .into()
        )
    );
    // `{widgetId}` matches the document's `{id}` by position.
    let get = &cap.apis[0].operations[1];
    assert_eq!(
        get.path_params[0].description.as_deref(),
        Some("The widget's id.")
    );
    assert_eq!(get.ident, "get_widget");
    let patch = &cap.apis[0].operations[2];
    assert_eq!(patch.ident, "update_widget");
    assert_eq!(
        patch.typing.as_ref().unwrap().types.body.as_deref(),
        Some("UpdateWidgetRequest")
    );
    // `GetWidget`'s response is `Widget`, and `ListWidgets`' items are the same schema: the same model.
    assert_eq!(
        get.typing.as_ref().unwrap().types.response,
        ResponseModel::Named("Widget".into())
    );
    assert_eq!(
        cap.apis[0].operations[0]
            .typing
            .as_ref()
            .unwrap()
            .types
            .response,
        ResponseModel::ListOf("Widget".into())
    );
}

#[test]
fn a_rename_wins_over_the_operation_id() {
    let mut renames = Renames::new();
    renames.insert("shop.getwidget", "fetch-widget", "test");
    let c = compile_typed(SPEC, &renames, &overlay("shop.json", DOC));
    let cap = c.ir.expect("compiles");
    assert_eq!(cap.apis[0].operations[1].ident, "fetch_widget");
}

#[test]
fn the_tool_input_schema_holds_the_body_schema_and_the_body_is_checked() {
    let dir = std::env::temp_dir().join(format!("naftiko-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (spec, doc) = (dir.join("shop.yaml"), dir.join("shop.openapi.json"));
    std::fs::write(&spec, SPEC).unwrap();
    std::fs::write(&doc, DOC).unwrap();
    let out = Config::new(&spec).openapi(&doc).generate().unwrap();
    let mcp = &out
        .files
        .iter()
        .find(|f| f.name == "mcp.rs")
        .unwrap()
        .contents;
    let client = &out
        .files
        .iter()
        .find(|f| f.name == "client.rs")
        .unwrap()
        .contents;
    // One definition: the model the body is checked against is the one generated from the schema published.
    assert!(mcp.contains(r#"\"required\":[\"size\"]"#), "{mcp}");
    assert!(mcp.contains(r#"\"enum\":[\"S\",\"M\",\"L\"]"#), "{mcp}");
    assert!(
        mcp.contains(r#"\"required\":[\"widgetId\",\"body\"]"#),
        "{mcp}"
    );
    assert!(
        mcp.contains("body_as::<super::super::client::types::UpdateWidgetRequest>"),
        "{mcp}"
    );
    assert!(
        client.contains("pub struct UpdateWidgetRequest"),
        "{client}"
    );
    // The response's enum is open; the request's is not.
    assert!(client.contains("pub enum WidgetSize"), "{client}");
    assert!(client.contains("Other(::std::string::String)"), "{client}");
    assert!(
        client.contains("pub enum UpdateWidgetRequestSize"),
        "{client}"
    );
    assert!(client.contains("pub async fn update_widget(\n        &self,\n        widget_id: &str,\n        body: &types::UpdateWidgetRequest,\n    ) -> Result<Typed<()>, Error>"), "{client}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_document_that_is_not_openapi_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("naftiko-openapi-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (spec, doc) = (dir.join("shop.yaml"), dir.join("swagger.json"));
    std::fs::write(&spec, SPEC).unwrap();
    std::fs::write(&doc, r#"{"swagger": "2.0", "paths": {}}"#).unwrap();
    match Config::new(&spec).openapi(&doc).generate() {
        Err(Error::OpenApi(m)) => assert!(
            m.ends_with("swagger.json: not an OpenAPI document (no `openapi` version)"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_document_without_a_namespace_for_a_spec_of_two_apis_is_an_error() {
    let two = SPEC.replace(
        "  exposes:",
        "    - type: http\n      namespace: other\n      baseUri: https://other.example\n      resources: []\n  exposes:",
    );
    let c = compile_typed(&two, &Renames::new(), &overlay("shop.json", DOC));
    assert!(c.ir.is_none());
    let e = c
        .diagnostics
        .iter_errors()
        .find(|d| d.code == Code::OpenApi)
        .unwrap();
    assert_eq!(e.severity, Severity::Error);
    assert!(
        e.message.contains("name it (`--openapi NAMESPACE=PATH`"),
        "{}",
        e.message
    );
    let named = vec![Overlay {
        namespace: Some("shop".into()),
        document: Document::parse("shop.json", DOC).unwrap(),
    }];
    assert!(compile_typed(&two, &Renames::new(), &named).ir.is_some());
}

/// What MCP clients accept, checked on every Logto tool: an object at the top without `anyOf`/`oneOf`, and
/// nowhere a `$ref`, `$defs`, `oneOf`, `allOf`, `format`, `pattern` or type array.
#[test]
fn every_logto_tool_input_schema_is_one_every_mcp_client_accepts() {
    fn walk(v: &serde_json::Value, at: &str, problems: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, child) in o {
                    let bad_key = [
                        "$ref",
                        "$defs",
                        "definitions",
                        "oneOf",
                        "allOf",
                        "format",
                        "pattern",
                    ];
                    if bad_key.contains(&k.as_str()) {
                        problems.push(format!("{at}: `{k}`"));
                    }
                    if k == "type" && !child.is_string() {
                        problems.push(format!("{at}: type {child}"));
                    }
                    match (k.as_str(), child) {
                        // Names of properties, each holding a schema.
                        ("properties", serde_json::Value::Object(props)) => {
                            for (name, schema) in props {
                                walk(schema, &format!("{at}/{name}"), problems);
                            }
                        }
                        _ => walk(child, &format!("{at}/{k}"), problems),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| walk(c, at, problems)),
            _ => {}
        }
    }
    let c = logto_typed_by("spec/logto.openapi.json", "../spec/logto.openapi.json");
    let cap = c.ir.unwrap();
    let mut problems = Vec::new();
    let mut with_body_schema = 0;
    for tool in &cap.mcp[0].tools {
        let schema: serde_json::Value =
            serde_json::from_str(&naftiko_codegen::emit::mcp::input_schema(&cap, tool)).unwrap();
        assert_eq!(schema["type"], "object", "{}", tool.name);
        assert!(
            schema.get("anyOf").is_none() && schema.get("oneOf").is_none(),
            "{}",
            tool.name
        );
        if schema["properties"]["body"].get("properties").is_some()
            || schema["properties"]["body"].get("anyOf").is_some()
        {
            with_body_schema += 1;
        }
        walk(&schema, &tool.name, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // Of the 27 tools with a body, all but two have its properties: `updateoidcsessionconfig` is not in the
    // document, and `updateapplicationcustomdata` takes "an arbitrary JSON object".
    assert_eq!(with_body_schema, 25);
}
