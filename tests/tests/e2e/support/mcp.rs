//! MCP checks shared by the MCP test modules: a listed tool against the spec, and tool-result accessors. Everything
//! works on the wire JSON (camelCase), whichever client produced it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::spec::{ArgKind, ExposedTool, ToolArg};

/// A tool result's `isError`.
pub fn is_error(result: &Value) -> bool {
    result.get("isError").and_then(Value::as_bool) == Some(true)
}

/// The text blocks of a result, joined.
pub fn text(result: &Value) -> String {
    result["content"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Keys a tool input schema must not use (clients differ in what they resolve or accept).
pub const FORBIDDEN_SCHEMA_KEYS: &[&str] = &["$ref", "$schema", "$defs", "definitions", "format"];

/// Keywords whose value is data (or text), not a schema: not searched for keys.
const DATA_KEYWORDS: &[&str] = &[
    "enum",
    "const",
    "default",
    "examples",
    "example",
    "required",
    "description",
    "title",
];

/// Keywords whose value maps names (property names, which may be `type` or `format`) to schemas.
const NAMED_SCHEMAS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Every use of a forbidden key, and every `type` that is not one type name, in the schema `v` and the schemas it
/// holds (under `properties`, `items`, `anyOf`…); property names and data (`enum`, `default`…) are not keys.
pub fn schema_problems(path: &str, v: &Value, out: &mut Vec<String>) {
    let Value::Object(m) = v else {
        return;
    };
    for (k, child) in m {
        if FORBIDDEN_SCHEMA_KEYS.contains(&k.as_str()) {
            out.push(format!("{path}: `{k}`"));
        }
        if k == "type" && !child.is_string() {
            out.push(format!("{path}: `type` is {child}, not one type name"));
        }
        if DATA_KEYWORDS.contains(&k.as_str()) || k == "type" {
            continue;
        }
        match child {
            Value::Object(named) if NAMED_SCHEMAS.contains(&k.as_str()) => {
                for (name, schema) in named {
                    schema_problems(&format!("{path}/{k}/{name}"), schema, out);
                }
            }
            Value::Object(_) => schema_problems(&format!("{path}/{k}"), child, out),
            Value::Array(a) => {
                for (i, schema) in a.iter().enumerate() {
                    schema_problems(&format!("{path}/{k}/{i}"), schema, out);
                }
            }
            _ => {}
        }
    }
}

/// The keys a path or query argument's schema may have: its type and description, and the constraints the OpenAPI
/// document gives the parameter.
const PARAMETER_KEYS: &[&str] = &[
    "type",
    "description",
    "enum",
    "default",
    "minimum",
    "maximum",
];

/// The property names of an object schema.
fn property_names(schema: &Value) -> BTreeSet<&str> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The `required` list of an object schema, sorted.
fn required_names(schema: &Value) -> Vec<&str> {
    let mut r: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    r.sort_unstable();
    r
}

/// Differences between the listed `body` property and the request body's schema in the OpenAPI document (or a plain
/// object, when the document does not describe the operation's body).
fn body_differences(a: &ToolArg, p: &Value, out: &mut Vec<String>) {
    let Some(want) = a.openapi_schema() else {
        if p["type"] != "object" {
            out.push(format!(
                "`body`: type {:?}, expected \"object\"",
                p.get("type")
            ));
        }
        return;
    };
    match want.get("type") {
        Some(t) if p.get("type") != Some(t) => out.push(format!(
            "`body`: type {:?}, expected {t} as in the OpenAPI document",
            p.get("type")
        )),
        None if p.get("type").is_some_and(|t| t != "object") => out.push(format!(
            "`body`: type {:?}, where the OpenAPI document gives none",
            p.get("type")
        )),
        _ => {}
    }
    let (got, expected) = (property_names(p), property_names(want));
    if got != expected {
        out.push(format!(
            "`body`: properties {got:?}, expected the OpenAPI document's {expected:?}"
        ));
    }
    let (got, expected) = (required_names(p), required_names(want));
    if got != expected {
        out.push(format!(
            "`body`: required {got:?}, expected the OpenAPI document's {expected:?}"
        ));
    }
    // The top-level properties' enums are the document's.
    for name in property_names(want) {
        let want_enum = &want["properties"][name]["enum"];
        if want_enum.is_array() && p["properties"][name]["enum"] != *want_enum {
            out.push(format!(
                "`body.{name}`: enum {}, expected the OpenAPI document's {want_enum}",
                p["properties"][name]["enum"]
            ));
        }
    }
}

/// Differences between a listed path or query argument and the spec (type, description) and the OpenAPI document
/// (description, constraints).
fn parameter_differences(a: &ToolArg, p: &Value, out: &mut Vec<String>) {
    if p["type"] != json!(a.ty) {
        out.push(format!(
            "`{}`: type {:?}, expected {:?}",
            a.name,
            p.get("type"),
            a.ty
        ));
    }
    // The description: the spec's, or else the OpenAPI document's (either may be followed by more).
    let sources: Vec<&str> = a
        .description
        .as_deref()
        .into_iter()
        .chain(a.openapi_description())
        .collect();
    let given = p["description"].as_str().unwrap_or_default();
    if !sources.is_empty() && !sources.iter().any(|d| given.starts_with(d)) {
        out.push(format!(
            "`{}`: description {given:?}, expected one starting with one of {sources:?}",
            a.name
        ));
    }
    for key in p.as_object().into_iter().flat_map(|m| m.keys()) {
        if !PARAMETER_KEYS.contains(&key.as_str()) {
            out.push(format!("`{}`: unexpected key `{key}`", a.name));
        }
    }
    // Constraints, as the document gives them.
    let schema = a.openapi_schema();
    for key in ["enum", "default", "minimum", "maximum"] {
        let want = schema.and_then(|s| s.get(key));
        if p.get(key) != want {
            out.push(format!(
                "`{}`: `{key}` {:?}, expected the OpenAPI document's {want:?}",
                a.name,
                p.get(key)
            ));
        }
    }
}

/// Every difference between a listed tool (wire JSON) and what the spec says it is: annotations (hints with
/// defaults), title, description, and the input schema (properties, types, descriptions, required); and what Logto's
/// OpenAPI document adds to it: the body's properties and required ones, the parameters' constraints.
pub fn tool_differences(t: &ExposedTool, args: &[ToolArg], tool: &Value) -> Vec<String> {
    let mut out = Vec::new();
    // Annotations: the hints, with the format's defaults.
    let ann = &tool["annotations"];
    for (key, want) in [
        ("readOnlyHint", t.hints.read_only),
        ("destructiveHint", t.hints.destructive),
        ("idempotentHint", t.hints.idempotent),
        ("openWorldHint", t.hints.open_world),
    ] {
        if ann.get(key).and_then(Value::as_bool) != Some(want) {
            out.push(format!(
                "annotations.{key} is {:?}, expected {want}",
                ann.get(key)
            ));
        }
    }
    // Title: the label, or none.
    match &t.label {
        Some(l) => {
            if tool["title"] != json!(l) {
                out.push(format!("title {:?}, expected {l:?}", tool.get("title")));
            }
        }
        None => {
            if tool.get("title").is_some() || ann.get("title").is_some() {
                out.push(format!("a title without a label: {tool}"));
            }
        }
    }
    if let Some(d) = &t.description
        && tool["description"] != json!(d)
    {
        out.push(format!(
            "description {:?}, expected {d:?}",
            tool.get("description")
        ));
    }
    // The input schema.
    let schema = &tool["inputSchema"];
    if schema["type"] != "object" {
        out.push(format!("inputSchema.type {:?}", schema.get("type")));
    }
    schema_problems("inputSchema", schema, &mut out);
    let empty = serde_json::Map::new();
    let props = schema["properties"].as_object().unwrap_or(&empty);
    let got: BTreeSet<&str> = props.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = args.iter().map(|a| a.name.as_str()).collect();
    if got != want {
        out.push(format!("properties {got:?}, expected {want:?}"));
    }
    for a in args {
        let Some(p) = props.get(&a.name) else {
            continue;
        };
        match a.kind {
            ArgKind::Body => body_differences(a, p, &mut out),
            _ => parameter_differences(a, p, &mut out),
        }
    }
    let required: Vec<&str> = match schema.get("required") {
        None => Vec::new(),
        Some(Value::Array(r)) => r
            .iter()
            .map(|v| v.as_str().unwrap_or("<not a string>"))
            .collect(),
        Some(other) => {
            out.push(format!("required is {other}"));
            Vec::new()
        }
    };
    let required_set: BTreeSet<&str> = required.iter().copied().collect();
    if required_set.len() != required.len() {
        out.push(format!("required has duplicates: {required:?}"));
    }
    let want_required: BTreeSet<&str> = args
        .iter()
        .filter(|a| a.required)
        .map(|a| a.name.as_str())
        .collect();
    if required_set != want_required {
        out.push(format!("required {required:?}, expected {want_required:?}"));
    }
    out
}
