//! The JSON Schemas the adapters publish of their inputs — an MCP tool's input schema, the REST adapter's OpenAPI
//! document — made alike from the spec and the OpenAPI overlay.

use serde_json::{Map, Value};

use crate::ir::{ArgSource, Call, ExposedInput, Operation, Param, ParamType};
use crate::openapi::schema;

/// The schema of the exposed input `i` of `call`, which calls `op`: its spec type, with the enum, default and range
/// the OpenAPI document gives the parameter it feeds when the document types it alike, and a description (the
/// spec's, else the document's, else its name).
pub fn input_property(op: &Operation, call: &Call, i: &ExposedInput) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("type".into(), Value::String(i.ty.as_str().into()));
    let param = param_of(op, call, &i.name);
    if let Some(s) = param.and_then(|p| p.schema.as_ref()) {
        let s = schema::for_tools(s);
        // Only what holds for the input's own type: a spec string the document types otherwise keeps none.
        if s.get("type").and_then(Value::as_str) == Some(i.ty.as_str()) {
            for key in ["enum", "default", "minimum", "maximum"] {
                if let Some(v) = s.get(key) {
                    p.insert(key.into(), v.clone());
                }
            }
        }
    }
    let trivial = i
        .description
        .as_deref()
        .is_none_or(|d| d.trim().is_empty() || d.trim().eq_ignore_ascii_case(&i.name));
    let description = match param.and_then(|p| p.description.as_ref()) {
        Some(d) if trivial => Some(d.clone()),
        _ => i.description.clone(),
    };
    let mut d = description.unwrap_or_default();
    if i.ty == ParamType::Object {
        if !d.is_empty() {
            d.push(' ');
        }
        d.push_str("An object of string values; each entry is sent as its own query parameter.");
    }
    if i.ty == ParamType::Array {
        p.insert("items".into(), serde_json::json!({"type": "string"}));
    }
    if d.is_empty() {
        d = i.name.clone();
    }
    p.insert("description".into(), Value::String(d));
    p
}

/// The consumed parameter the exposed input `name` of `call` feeds.
fn param_of<'a>(op: &'a Operation, call: &Call, name: &str) -> Option<&'a Param> {
    let param = call.args.iter().find_map(|a| match &a.source {
        ArgSource::Input(n) if n == name => Some(a.param.as_str()),
        _ => None,
    })?;
    op.params().find(|p| p.name == param)
}
