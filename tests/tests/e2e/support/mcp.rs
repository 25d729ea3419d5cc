//! MCP checks shared by the MCP test modules: a listed tool against the spec, and tool-result accessors. Everything
//! works on the wire JSON (camelCase), whichever client produced it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::spec::{ExposedTool, ToolArg};

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

/// Every use of a forbidden key, and every `type` that is not one type name, under `v`.
pub fn schema_problems(path: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if FORBIDDEN_SCHEMA_KEYS.contains(&k.as_str()) {
                    out.push(format!("{path}: `{k}`"));
                }
                if k == "type" && !child.is_string() {
                    out.push(format!("{path}: `type` is {child}, not one type name"));
                }
                schema_problems(&format!("{path}/{k}"), child, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                schema_problems(&format!("{path}/{i}"), child, out);
            }
        }
        _ => {}
    }
}

/// Every difference between a listed tool (wire JSON) and what the spec says it is: annotations (hints with
/// defaults), title, description, and the input schema (properties, types, descriptions, required).
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
        if p["type"] != json!(a.ty) {
            out.push(format!(
                "`{}`: type {:?}, expected {:?}",
                a.name,
                p.get("type"),
                a.ty
            ));
        }
        if let Some(d) = &a.description {
            let given = p["description"].as_str().unwrap_or_default();
            if !given.starts_with(d.as_str()) {
                out.push(format!(
                    "`{}`: description {given:?}, expected {d:?}",
                    a.name
                ));
            }
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
