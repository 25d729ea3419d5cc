//! The OpenAPI overlay: a consumed API's OpenAPI document, read at build time, types what the spec leaves untyped.
//!
//! The spec stays the source of truth for what is consumed and exposed, and how it is bound; the document adds, to
//! each consumed operation it has (matched by method and path shape, whatever the placeholders are called), its
//! `operationId` (the Rust names derive from it), the JSON Schemas of its body and successful response, and its
//! parameters' descriptions, enums and defaults. An operation the document lacks stays untyped, with a warning; so
//! does a parameter that disagrees with it. Nothing of the document is read at run time.

pub mod schema;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{Capability, ConsumedApi, Method, Operation, Param, ParamType, Typing};

/// An OpenAPI 3 document, read.
#[derive(Debug, Clone)]
pub struct Document {
    /// How diagnostics name it (`spec/logto.openapi.json`).
    display: String,
    root: Value,
    /// (method, path shape) → (path, method key), for matching.
    index: BTreeMap<(Method, String), (String, &'static str)>,
}

/// An OpenAPI document and the consumed API it describes (none: the spec's only one).
#[derive(Debug, Clone)]
pub struct Overlay {
    pub namespace: Option<String>,
    pub document: Document,
}

const METHODS: &[(&str, Method)] = &[
    ("get", Method::Get),
    ("post", Method::Post),
    ("put", Method::Put),
    ("patch", Method::Patch),
    ("delete", Method::Delete),
];

impl Document {
    /// Reads an OpenAPI 3.x document (JSON, which YAML documents can be converted to). `display` names it in
    /// messages.
    pub fn parse(display: impl Into<String>, text: &str) -> Result<Document, String> {
        let display = display.into();
        let root: Value = serde_json::from_str(text)
            .map_err(|e| format!("{display}: not a JSON document: {e}"))?;
        match root.get("openapi") {
            Some(Value::String(v)) if v.starts_with("3.") => {}
            Some(v) => {
                return Err(format!(
                    "{display}: `openapi` is {v}; this compiler reads OpenAPI 3.0 and 3.1 documents"
                ));
            }
            None => {
                return Err(format!(
                    "{display}: not an OpenAPI document (no `openapi` version)"
                ));
            }
        }
        let Some(Value::Object(paths)) = root.get("paths") else {
            return Err(format!(
                "{display}: not an OpenAPI document (no `paths` object)"
            ));
        };
        let mut index = BTreeMap::new();
        for (path, item) in paths {
            for (key, method) in METHODS {
                if item.get(key).is_some_and(Value::is_object) {
                    index
                        .entry((*method, shape(path)))
                        .or_insert_with(|| (path.clone(), *key));
                }
            }
        }
        Ok(Document {
            display,
            root,
            index,
        })
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    /// The document's operation with `method` on a path of `shape`: (JSON pointer, path item, operation).
    fn operation(&self, method: Method, shape: &str) -> Option<(String, &Value, &Value)> {
        let (path, key) = self.index.get(&(method, shape.to_owned()))?;
        let item = self.root.get("paths")?.get(path)?;
        let pointer = format!("/paths/{}/{key}", escape_pointer(path));
        Some((pointer, item, item.get(*key)?))
    }

    /// `value` itself, or what its `$ref` points at.
    fn deref<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => schema::resolve_ref(&self.root, r).unwrap_or(value),
            None => value,
        }
    }

    fn location(&self, pointer: &str) -> String {
        format!("{}#{pointer}", self.display)
    }
}

/// Where a spec's OpenAPI document is looked for by tools that find it by name (`cargo xtask regen`): next to the
/// spec, named like it up to its first dot, `.openapi.json` (`spec/logto.naftiko.yaml` → `spec/logto.openapi.json`).
pub fn beside(spec: &std::path::Path) -> std::path::PathBuf {
    let name = spec
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = name.split('.').next().unwrap_or(name);
    spec.with_file_name(format!("{stem}.openapi.json"))
}

/// A path with its placeholders anonymised: `/api/applications/{}`.
fn shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// A JSON pointer's reference token for `s` (RFC 6901).
fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Types the operations of `cap` from `overlays`, with a warning for each operation or parameter a document does
/// not type.
pub fn apply(cap: &mut Capability, overlays: &[Overlay], d: &mut Diagnostics) {
    let only = (cap.apis.len() == 1).then(|| cap.apis[0].namespace.clone());
    for overlay in overlays {
        let ns = match (&overlay.namespace, &only) {
            (Some(ns), _) => ns.clone(),
            (None, Some(ns)) => ns.clone(),
            (None, None) => {
                d.error(
                    Code::OpenApi,
                    cap.apis.first().map_or(Pos::UNKNOWN, |a| a.namespace_pos),
                    format!(
                        "{} is given without the consumed namespace it describes, and the spec consumes {} APIs: \
                         name it (`--openapi NAMESPACE=PATH`, `Config::openapi_for`)",
                        overlay.document.display,
                        cap.apis.len()
                    ),
                );
                continue;
            }
        };
        match cap.apis.iter_mut().find(|a| a.namespace == ns) {
            Some(api) => type_api(api, &overlay.document, d),
            None => d.error(
                Code::OpenApi,
                Pos::UNKNOWN,
                format!(
                    "{} is given for the consumed namespace `{ns}`, which the spec does not have",
                    overlay.document.display
                ),
            ),
        }
    }
}

fn type_api(api: &mut ConsumedApi, doc: &Document, d: &mut Diagnostics) {
    let ns = api.namespace.clone();
    for op in &mut api.operations {
        let what = format!("`{ns}.{}`", op.name);
        match doc.operation(op.method, &op.path.shape()) {
            Some((pointer, item, found)) => {
                let mut t = typing(doc, &pointer, found);
                // A body template writes the body itself, from its own values.
                if op.template.is_some() {
                    t.body = None;
                    t.body_required = false;
                }
                op.typing = Some(t);
                type_params(op, doc, &pointer, item, found, &what, d);
            }
            None => d.warning(
                Code::OpenApi,
                op.pos,
                format!(
                    "{what} ({} {}) is not in {}: it stays untyped (raw JSON)",
                    op.method.as_str(),
                    op.path.template,
                    doc.display
                ),
            ),
        }
    }
}

/// The operation's `operationId` (or a name from its method and path when it has none) and schemas.
fn typing(doc: &Document, pointer: &str, op: &Value) -> Typing {
    let operation_id = op
        .get("operationId")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| pointer.replace(['/', '~', '{', '}'], "_"));
    let body = op.get("requestBody").map(|b| doc.deref(b));
    let body_schema = body
        .and_then(|b| json_content(b))
        .map(|s| schema::canonical(&doc.root, s));
    // A body none of whose fields is required can be left out, whatever the document says: Logto reads no body
    // as one with every field omitted (`POST /api/configs/oidc/{keyType}/rotate`, documented as requiring one).
    let body_required = body
        .and_then(|b| b.get("required"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && body_schema
            .as_ref()
            .and_then(|s| s.get("required"))
            .is_some_and(|r| r.as_array().is_some_and(|r| !r.is_empty()));
    let (status, response) = success(doc, op);
    Typing {
        operation_id,
        location: doc.location(pointer),
        body: body_schema,
        body_required,
        status,
        response,
        types: Default::default(),
    }
}

/// The schema of a request body's or response's JSON content (`application/json`, or any `+json` type).
fn json_content(holder: &Value) -> Option<&Value> {
    let Value::Object(content) = holder.get("content")? else {
        return None;
    };
    content
        .iter()
        .find(|(ty, _)| {
            let ty = ty.split(';').next().unwrap_or_default().trim();
            ty.eq_ignore_ascii_case("application/json") || ty.ends_with("+json")
        })
        .and_then(|(_, media)| media.get("schema"))
}

/// The lowest 2xx status the operation lists, and its JSON schema (none for an empty one).
fn success(doc: &Document, op: &Value) -> (u16, Option<Value>) {
    let Some(Value::Object(responses)) = op.get("responses") else {
        return (200, None);
    };
    let Some((status, response)) = responses
        .iter()
        .filter_map(|(code, r)| Some((code.parse::<u16>().ok()?, r)))
        .filter(|(code, _)| (200..300).contains(code))
        .min_by_key(|(code, _)| *code)
    else {
        return (200, None);
    };
    let schema = json_content(doc.deref(response))
        .filter(|s| s.as_object().is_some_and(|o| !o.is_empty()))
        .map(|s| schema::canonical(&doc.root, s));
    (status, schema)
}

/// Fills in each parameter's schema and, where the spec gives none, its description; warns of parameters the
/// document lacks or types otherwise.
fn type_params(
    op: &mut Operation,
    doc: &Document,
    pointer: &str,
    item: &Value,
    found: &Value,
    what: &str,
    d: &mut Diagnostics,
) {
    // Parameters of the path item, then of the operation (which override them), each with its pointer.
    let mut params: Vec<(String, &Value)> = Vec::new();
    let item_pointer = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    for (holder, at) in [(item, item_pointer), (found, pointer)] {
        if let Some(Value::Array(list)) = holder.get("parameters") {
            for (i, p) in list.iter().enumerate() {
                params.push((format!("{at}/parameters/{i}"), doc.deref(p)));
            }
        }
    }
    let of = |location: &str, name: &str| {
        params
            .iter()
            .rev()
            .find(|(_, p)| {
                p.get("in").and_then(Value::as_str) == Some(location)
                    && p.get("name").and_then(Value::as_str) == Some(name)
            })
            .map(|(at, p)| (at.clone(), *p))
    };
    // Path parameters match by position: the document may call `{id}` what the spec calls `{applicationId}`.
    let doc_path = doc
        .index
        .get(&(op.method, op.path.shape()))
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let doc_names = placeholder_names(&doc_path);
    let spec_names: Vec<String> = op.path.params().map(str::to_owned).collect();
    for p in &mut op.path_params {
        let position = spec_names.iter().position(|n| *n == p.name);
        let doc_name = position.and_then(|i| doc_names.get(i)).map(String::as_str);
        let found = doc_name.and_then(|n| of("path", n));
        overlay_param(p, "path", found, doc, pointer, what, d);
    }
    for p in &mut op.query_params {
        let found = of("query", &p.name);
        overlay_param(p, "query", found, doc, pointer, what, d);
    }
    for p in &mut op.header_params {
        let found = of("header", &p.name);
        overlay_param(p, "header", found, doc, pointer, what, d);
    }
}

fn placeholder_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect()
}

fn overlay_param(
    p: &mut Param,
    location: &str,
    found: Option<(String, &Value)>,
    doc: &Document,
    op_pointer: &str,
    what: &str,
    d: &mut Diagnostics,
) {
    let Some((at, param)) = found else {
        // Inferred path parameters are the path's own placeholders: the document has them under another name.
        if p.declared {
            d.warning(
                Code::OpenApi,
                p.pos,
                format!(
                    "{location} parameter `{}` of {what} is not in {}: it is sent as the spec declares it",
                    p.name,
                    doc.location(op_pointer)
                ),
            );
        }
        return;
    };
    let schema = param
        .get("schema")
        .map(|s| schema::canonical(&doc.root, s))
        .unwrap_or(Value::Object(Default::default()));
    let types = schema_types(&schema);
    if !types.is_empty() && !types.iter().any(|t| accepts(t, p.ty)) {
        d.warning(
            Code::OpenApi,
            p.pos,
            format!(
                "{location} parameter `{}` of {what} is `{}` here and `{}` in {}",
                p.name,
                p.ty.as_str(),
                types.join("` or `"),
                doc.location(&at)
            ),
        );
    }
    let trivial = p
        .description
        .as_deref()
        .is_none_or(|d| d.trim().is_empty() || d.trim().eq_ignore_ascii_case(&p.name));
    if trivial {
        let described = param
            .get("description")
            .or_else(|| schema.get("description"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty());
        if let Some(desc) = described {
            p.description = Some(desc.trim().to_owned());
        }
    }
    p.schema = Some(schema);
}

/// The JSON types a schema (or each of its alternatives) admits, `null` aside.
fn schema_types(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match schema.get("type") {
        Some(Value::String(t)) => out.push(t.clone()),
        Some(Value::Array(ts)) => {
            out.extend(ts.iter().filter_map(Value::as_str).map(str::to_owned))
        }
        _ => {}
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            for alt in alts {
                out.extend(schema_types(alt));
            }
        }
    }
    out.retain(|t| t != "null");
    out.sort();
    out.dedup();
    out
}

/// Whether a spec parameter of type `ty` can carry a value of the JSON type `t` (a query string carries any scalar
/// as text; an array is sent as repeated or comma-joined text).
fn accepts(t: &str, ty: ParamType) -> bool {
    match ty {
        ParamType::String => matches!(t, "string" | "array"),
        ParamType::Integer => t == "integer",
        ParamType::Number => matches!(t, "number" | "integer"),
        ParamType::Boolean => t == "boolean",
        ParamType::Object => t == "object",
        ParamType::Array => t == "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_ignore_placeholder_names() {
        assert_eq!(
            shape("/api/applications/{id}/roles/{roleId}"),
            "/api/applications/{}/roles/{}"
        );
        assert_eq!(placeholder_names("/a/{id}/b/{x}"), ["id", "x"]);
    }

    #[test]
    fn documents_that_are_not_openapi_are_refused() {
        assert!(
            Document::parse("x.json", "{")
                .unwrap_err()
                .contains("not a JSON document")
        );
        assert!(
            Document::parse("x.json", "{\"paths\": {}}")
                .unwrap_err()
                .contains("no `openapi`")
        );
        assert!(
            Document::parse("x.json", "{\"openapi\": \"2.0\", \"paths\": {}}")
                .unwrap_err()
                .contains("3.0 and 3.1")
        );
        assert!(
            Document::parse("x.json", "{\"openapi\": \"3.0.1\"}")
                .unwrap_err()
                .contains("no `paths`")
        );
    }
}
