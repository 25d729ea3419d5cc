//! A REST adapter's own OpenAPI 3.1 document, made at build time: its routes, their parameters, bodies and
//! responses (with the schemas of the consumed API's OpenAPI document, when the overlay has them), the error body,
//! and, in the variant served when inbound authentication is on, the bearer security scheme.

use serde_json::{Map, Value, json};

use super::schemas::input_property;
use crate::ir::{Capability, InputLocation, ParamType, ResponseModel, RestAdapter, RestOperation};
use crate::openapi::schema;

/// The document of `a`, as JSON text; `bearer`: every operation requires `Authorization: Bearer …`.
pub fn document(cap: &Capability, a: &RestAdapter, bearer: bool) -> String {
    let mut paths = Map::new();
    let mut components = Map::new();
    for route in &a.routes {
        let mut item = Map::new();
        for op in &route.operations {
            item.insert(
                op.method.as_str().to_lowercase(),
                operation(cap, op, &mut components),
            );
        }
        paths.insert(route.path.normalized(), Value::Object(item));
    }
    components.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "An error: the upstream's error body, passed on with its status (Logto's: `code`, `message`, `details` naming the refused field, `data`), or the gateway's own, whose `code` starts with `gateway.`.",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "string"},
                "data": {},
            },
        }),
    );
    let mut info = Map::new();
    info.insert(
        "title".into(),
        Value::String(format!("{} ({})", cap.label, a.namespace)),
    );
    info.insert(
        "version".into(),
        Value::String(env!("CARGO_PKG_VERSION").into()),
    );
    if let Some(d) = a.description.as_ref().or(cap.description.as_ref()) {
        info.insert("description".into(), Value::String(d.clone()));
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": info,
        "paths": paths,
        "components": {"schemas": components},
    });
    if bearer {
        doc["components"]["securitySchemes"] = json!({
            "bearer": {"type": "http", "scheme": "bearer", "description": "The gateway's inbound token (`--auth-token`)."},
        });
        doc["security"] = json!([{"bearer": []}]);
    }
    doc.to_string()
}

/// Adds `schema` as the property `key` of the object schema `object`, merging the properties of two objects that
/// share a key (two body inputs under `$.user`).
fn merge_property(object: &mut Value, key: &str, schema: Value, required: bool) {
    let existing = &mut object["properties"][key];
    match (existing.get("properties").is_some(), schema) {
        (true, Value::Object(mut new)) if new.contains_key("properties") => {
            if let Some(Value::Object(props)) = new.remove("properties") {
                for (k, v) in props {
                    merge_property(existing, &k, v, false);
                }
            }
        }
        (_, schema) => *existing = schema,
    }
    if required {
        match object.get_mut("required").and_then(Value::as_array_mut) {
            Some(list) => list.push(json!(key)),
            None => object["required"] = json!([key]),
        }
    }
}

fn operation(cap: &Capability, op: &RestOperation, components: &mut Map<String, Value>) -> Value {
    let called = cap.operation(op.call.target);
    let typing = called.typing.as_ref();
    let mut o = Map::new();
    o.insert("operationId".into(), Value::String(op.name.clone()));
    if let Some(d) = &op.description {
        o.insert(
            "summary".into(),
            Value::String(d.lines().next().unwrap_or_default().to_owned()),
        );
        o.insert("description".into(), Value::String(d.clone()));
    }
    let params: Vec<Value> = op
        .call
        .inputs
        .iter()
        .filter(|i| i.location != InputLocation::Body)
        .map(|i| {
            let mut schema = input_property(called, &op.call, i);
            let description = schema.remove("description");
            let mut p = json!({
                "name": i.name,
                "in": match i.location {
                    InputLocation::Path => "path",
                    InputLocation::Query | InputLocation::Body => "query",
                    InputLocation::Header => "header",
                },
                "required": i.required || i.location == InputLocation::Path,
            });
            if i.ty == ParamType::Object {
                schema.insert("additionalProperties".into(), json!({"type": "string"}));
            }
            if !i.ty.is_scalar() {
                p["style"] = json!("form");
                p["explode"] = json!(true);
            }
            if let Some(d) = description {
                p["description"] = d;
            }
            p["schema"] = Value::Object(schema);
            p
        })
        .collect();
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    let body_inputs: Vec<_> = op
        .call
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Body)
        .collect();
    if !body_inputs.is_empty() && !op.call.body {
        let mut body = json!({"type": "object"});
        for i in &body_inputs {
            let mut property = input_property(called, &op.call, i);
            let description = i
                .description
                .clone()
                .unwrap_or_else(|| format!("The input `{}`.", i.name));
            property.insert("description".into(), json!(description));
            if i.ty == ParamType::Object {
                property.insert("additionalProperties".into(), json!({"type": "string"}));
            }
            let mut leaf = Value::Object(property);
            // Wrap the input's schema in the objects and arrays its path goes through below the body's own member,
            // innermost first: `$.ship.imo` is `imo` of the object `ship`.
            let Some((crate::ir::PathStep::Key(top), below)) = i.body_path.split_first() else {
                continue;
            };
            for step in below.iter().rev() {
                leaf = match step {
                    crate::ir::PathStep::Key(k) => {
                        json!({"type": "object", "properties": {k: leaf}})
                    }
                    _ => json!({"type": "array", "items": leaf}),
                };
            }
            merge_property(&mut body, top, leaf, i.required && below.is_empty());
        }
        o.insert(
            "requestBody".into(),
            json!({"required": body_inputs.iter().any(|i| i.required), "content": {"application/json": {"schema": body}}}),
        );
    }
    if op.call.body {
        let (body, required) = match typing.and_then(|t| Some((t.body.as_ref()?, t))) {
            Some((body, t)) => (
                named(components, t.types.body.as_deref(), body),
                t.body_required,
            ),
            None => (json!({"type": "object"}), false),
        };
        o.insert(
            "requestBody".into(),
            json!({"required": required, "content": {"application/json": {"schema": body}}}),
        );
    }
    let mut responses = Map::new();
    let status = typing.map_or(200, |t| t.status).to_string();
    let shaped = match &op.call.output {
        crate::ir::OutputMapping::Shaped(s) => Some(super::shape::schema(s)),
        crate::ir::OutputMapping::Whole => None,
    };
    let success = match typing.and_then(|t| Some((t.response.as_ref()?, t))) {
        _ if shaped.is_some() => {
            json!({"description": "Success: the upstream's answer, shaped.", "content": {"application/json": {"schema": shaped}}})
        }
        Some((response, t)) => {
            let schema = match &t.types.response {
                ResponseModel::Named(name) => named(components, Some(name), response),
                ResponseModel::ListOf(name) => match response.get("items") {
                    Some(items) => {
                        json!({"type": "array", "items": named(components, Some(name), items)})
                    }
                    None => schema::for_output(response),
                },
                ResponseModel::Empty => schema::for_output(response),
            };
            json!({"description": "Success: the upstream's answer as sent.", "content": {"application/json": {"schema": schema}}})
        }
        None if typing.is_some() => {
            json!({"description": "Success: the upstream's answer as sent (no JSON body, or a short text)."})
        }
        None => {
            json!({"description": "Success: the upstream's answer as sent.", "content": {"application/json": {"schema": {}}}})
        }
    };
    responses.insert(status, success);
    responses.insert(
        "default".into(),
        json!({"description": "An error of the upstream or of the gateway.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
    );
    o.insert("responses".into(), Value::Object(responses));
    Value::Object(o)
}

/// A reference to the component `name` holding `schema` (added when new); the schema itself without a name.
fn named(components: &mut Map<String, Value>, name: Option<&str>, schema: &Value) -> Value {
    let Some(name) = name else {
        return schema::for_output(schema);
    };
    components
        .entry(name)
        .or_insert_with(|| schema::for_output(schema));
    json!({"$ref": format!("#/components/schemas/{name}")})
}
