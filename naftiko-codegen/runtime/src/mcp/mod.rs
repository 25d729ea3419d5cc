//! Runtime support for generated MCP adapters (rmcp): the tool table's conversion to rmcp types, argument
//! validation (rmcp does not validate arguments against the schema), and the mapping of upstream results to tool
//! results.
//!

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, JsonObject, ServerCapabilities, ServerConfig,
    Tool, ToolAnnotations,
};
use serde_json::{Map, Value};

use crate::client::{Error, Response};

#[cfg(feature = "mcp-http")]
pub mod http;

/// One tool of a generated table: static data only.
#[derive(Debug, Clone, Copy)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    /// The input JSON Schema, as JSON text.
    pub input_schema: &'static str,
    /// The JSON Schema of the structured content of a successful call, as JSON text, when it is known.
    pub output_schema: Option<&'static str>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    /// The group the tool belongs to (`applications`): the first segment of the consumed operation's path, after a
    /// leading `api` or version segment.
    pub toolset: &'static str,
}

/// Which tools of a table a server serves, chosen when it starts: by name (`*` globs), by toolset, and by their
/// read-only hint. A tool is served when it is named by `tools` (or `tools` is empty), is in one of `toolsets` (or
/// `toolsets` is empty), is named by no `exclude` pattern, and, with `read_only`, says it is read-only.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    tools: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
    toolsets: Vec<String>,
    read_only: bool,
}

impl Selection {
    /// Every tool.
    pub fn all() -> Self {
        Self::default()
    }

    /// The selection the patterns and toolsets describe; a pattern that is not a valid glob is an error naming it.
    pub fn new(
        tools: &[String],
        exclude: &[String],
        toolsets: &[String],
        read_only: bool,
    ) -> Result<Self, String> {
        Ok(Selection {
            tools: globs(tools)?,
            exclude: globs(exclude)?,
            toolsets: toolsets.to_vec(),
            read_only,
        })
    }

    /// Whether `def` is served.
    pub fn serves(&self, def: &ToolDef) -> bool {
        self.tools.as_ref().is_none_or(|g| g.is_match(def.name))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(def.name))
            && (self.toolsets.is_empty() || self.toolsets.iter().any(|t| t == def.toolset))
            && (!self.read_only || def.read_only)
    }

    /// Per tool of `defs`, whether it is served.
    pub fn mask(&self, defs: &[ToolDef]) -> Arc<[bool]> {
        defs.iter().map(|d| self.serves(d)).collect()
    }
}

/// The globs of `patterns` (`get*`, `*application*`), or none when there are none. `*` matches any run of
/// characters, tool names having no separator.
fn globs(patterns: &[String]) -> Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob = globset::GlobBuilder::new(p)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("`{p}` is not a tool name pattern: {e}"))?;
        set.add(glob);
    }
    set.build().map(Some).map_err(|e| e.to_string())
}

/// The rmcp tools of a table that `served` (from [`Selection::mask`]) keeps.
pub fn served_tools(defs: &[ToolDef], served: &[bool]) -> Arc<[Tool]> {
    defs.iter()
        .zip(served)
        .filter(|(_, on)| **on)
        .map(|(d, _)| tool(d))
        .collect()
}

/// The rmcp tools of a table, built once at start-up.
pub fn tools(defs: &[ToolDef]) -> Arc<[Tool]> {
    defs.iter().map(tool).collect()
}

fn tool(d: &ToolDef) -> Tool {
    // The schema text is generated, and parses; an object is the fallback that keeps a server up regardless.
    let schema: JsonObject = serde_json::from_str(d.input_schema).unwrap_or_else(|_| {
        let mut m = Map::new();
        m.insert("type".into(), Value::String("object".into()));
        m
    });
    let mut annotations = ToolAnnotations::new()
        .read_only(d.read_only)
        .destructive(d.destructive)
        .idempotent(d.idempotent)
        .open_world(d.open_world);
    if let Some(t) = d.title {
        annotations.title = Some(t.to_owned());
    }
    let mut t = Tool::new(d.name, d.description.unwrap_or(d.name), Arc::new(schema))
        .with_annotations(annotations);
    // Generated like the input schema; a tool without one is still a tool.
    t.output_schema = d
        .output_schema
        .and_then(|s| serde_json::from_str::<JsonObject>(s).ok())
        .map(Arc::new);
    if let Some(title) = d.title {
        t = t.with_title(title);
    }
    t
}

/// The server's `initialize` answer: name (the exposure's namespace), version, instructions (its description).
pub fn server_config(name: &str, version: &str, instructions: Option<&str>) -> ServerConfig {
    let mut c = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        .with_server_info(Implementation::new(name, version));
    if let Some(i) = instructions {
        c = c.with_instructions(i);
    }
    c
}

/// A tool error result (`isError: true`) with one text block.
pub fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// A tool's arguments, checked against what the tool accepts.
#[derive(Debug)]
pub struct Args {
    map: Map<String, Value>,
    accepted: &'static [&'static str],
}

impl Args {
    /// Refuses any argument the tool does not have, listing those it accepts.
    pub fn new(
        args: Option<JsonObject>,
        accepted: &'static [&'static str],
    ) -> Result<Self, CallToolResult> {
        let map = args.unwrap_or_default();
        let mut unknown: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| !accepted.contains(k))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Err(tool_error(format!(
                "unknown argument{} {}; accepted: {}",
                if unknown.len() == 1 { "" } else { "s" },
                unknown
                    .iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                accepted_list(accepted)
            )));
        }
        Ok(Args { map, accepted })
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|v| !v.is_null())
    }

    fn wrong(&self, name: &str, expected: &str, got: &Value) -> CallToolResult {
        tool_error(format!(
            "argument `{name}` must be {expected}, got {}; accepted arguments: {}",
            kind(got),
            accepted_list(self.accepted)
        ))
    }

    pub fn string(&mut self, name: &str) -> Result<Option<String>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(name, "a string", &v)),
        }
    }

    pub fn integer(&mut self, name: &str) -> Result<Option<i64>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(self.wrong(name, "an integer", &v)),
            },
        }
    }

    pub fn number(&mut self, name: &str) -> Result<Option<f64>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) => Ok(Some(n)),
                None => Err(self.wrong(name, "a number", &v)),
            },
        }
    }

    pub fn boolean(&mut self, name: &str) -> Result<Option<bool>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(v) => Err(self.wrong(name, "a boolean", &v)),
        }
    }

    /// An array of strings.
    pub fn array(&mut self, name: &str) -> Result<Option<Vec<String>>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.into_iter().enumerate() {
                    match v {
                        Value::String(s) => out.push(s),
                        other => {
                            return Err(tool_error(format!(
                                "argument `{name}` must be an array of strings; `{name}[{i}]` is {}",
                                kind(&other)
                            )));
                        }
                    }
                }
                Ok(Some(out))
            }
            Some(v) => Err(self.wrong(name, "an array of strings", &v)),
        }
    }

    /// An object of scalar values, sent form-exploded (each entry its own query parameter).
    pub fn object(
        &mut self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Object(m)) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let s = match v {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        other => {
                            return Err(tool_error(format!(
                                "argument `{name}` must be an object of strings, numbers or booleans; `{k}` is {}",
                                kind(&other)
                            )));
                        }
                    };
                    out.insert(k, s);
                }
                Ok(Some(out))
            }
            Some(v) => Err(self.wrong(name, "an object", &v)),
        }
    }

    /// The JSON request body (an object).
    pub fn body(&mut self, name: &str) -> Result<Option<Value>, CallToolResult> {
        match self.take(name) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(v) => Err(self.wrong(name, "an object", &v)),
        }
    }

    /// A body argument that must fit the model `T`, the type generated from the same schema as the tool's input
    /// schema says: a missing required field, a value outside an enum or of the wrong type is a tool error naming
    /// where (`body.type`) and what is accepted, and the upstream is not called. The body is forwarded as given,
    /// not rebuilt from the model.
    pub fn body_as<T: serde::de::DeserializeOwned>(
        &mut self,
        name: &str,
    ) -> Result<Option<Value>, CallToolResult> {
        let Some(body) = self.body(name)? else {
            return Ok(None);
        };
        match serde_path_to_error::deserialize::<_, T>(&body) {
            Ok(_) => Ok(Some(body)),
            Err(e) => {
                let at = match e.path().to_string() {
                    root if root == "." => name.to_owned(),
                    index if index.starts_with('[') => format!("{name}{index}"),
                    path => format!("{name}.{path}"),
                };
                Err(tool_error(format!(
                    "argument `{at}` is invalid: {}; the tool's input schema describes what is accepted",
                    schema_words(&e.inner().to_string())
                )))
            }
        }
    }
}

/// A string argument that must be one of the values its input schema lists.
pub fn one_of(value: &str, name: &str, listed: &[&str]) -> Result<(), CallToolResult> {
    if listed.contains(&value) {
        return Ok(());
    }
    Err(tool_error(format!(
        "argument `{name}` must be one of {}; got {value:?}",
        listed
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// A serde message about a model, in the words of the JSON Schema the model comes from: `expected f64` reads
/// `expected a number`, `expected struct CreateApplicationRequest` reads `expected an object`.
fn schema_words(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, json) in [
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected a boolean", "expected a boolean"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected an object"),
        ("expected unit", "expected null"),
    ] {
        out = out.replace(rust, json);
    }
    while let Some(start) = out.find("expected struct ") {
        let name_start = start + "expected struct ".len();
        let end = out[name_start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(out.len(), |e| name_start + e);
        out.replace_range(start..end, "expected an object");
    }
    out
}

/// A required argument.
pub fn required<T>(
    value: Option<T>,
    name: &str,
    ty: &str,
    accepted: &[&str],
) -> Result<T, CallToolResult> {
    value.ok_or_else(|| {
        tool_error(format!(
            "missing required argument `{name}` ({ty}); accepted arguments: {}",
            accepted_list(accepted)
        ))
    })
}

/// A `{{VAR}}` the spec binds but the process was not given.
pub fn unbound(var: &str) -> CallToolResult {
    tool_error(format!("the bound value `{var}` is not set on the server"))
}

fn accepted_list(accepted: &[&str]) -> String {
    if accepted.is_empty() {
        "none".to_owned()
    } else {
        accepted.join(", ")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What answers a tool call: a generated MCP server, which knows its tools.
pub trait Dispatch: Send + Sync + 'static {
    /// Calls the tool `name` with `arguments`: what the call came to; `None` when there is no such tool.
    fn call_tool(
        &self,
        name: &str,
        arguments: Option<JsonObject>,
    ) -> impl std::future::Future<Output = Option<Outcome>> + Send;
}

/// What a tool call came to.
#[derive(Debug)]
pub enum Outcome {
    /// The upstream was called: its answer, or why there is none.
    Called(Result<Response, Error>),
    /// The arguments were refused (a tool error saying why); the upstream was not called.
    Refused(CallToolResult),
}

impl Outcome {
    /// The tool result (see [`respond`]).
    pub fn into_result(self) -> CallToolResult {
        match self {
            Outcome::Called(result) => respond(result),
            Outcome::Refused(refusal) => refusal,
        }
    }
}

/// The JSON a successful upstream answer becomes in a tool result, as text; `None` for an empty answer (204).
///
/// A JSON object is given as the upstream sent it, without a copy. An array is wrapped as `{"items": [...]}` (with
/// `"totalNumber"` when the upstream sent `Total-Number`), and any other value as `{"value": ...}`, because clients
/// below protocol 2026-07-28 drop structured content that is not an object.
pub fn result_json(r: &Response) -> Option<Cow<'_, str>> {
    let json = r
        .body
        .as_ref()?
        .get()
        .trim_matches(|c: char| c.is_ascii_whitespace());
    Some(match json.as_bytes().first() {
        Some(b'{') => Cow::Borrowed(json),
        Some(b'[') => {
            let total = r
                .headers
                .total_number
                .as_deref()
                .and_then(|n| n.trim().parse::<u64>().ok());
            Cow::Owned(match total {
                Some(n) => format!(r#"{{"items":{json},"totalNumber":{n}}}"#),
                None => format!(r#"{{"items":{json}}}"#),
            })
        }
        _ => Cow::Owned(format!(r#"{{"value":{json}}}"#)),
    })
}

/// The tool result of an upstream call: the JSON of [`result_json`] as structured content, and the same JSON as
/// text. An empty answer (204) or a plain-text one (Logto's `Created`) is a short text. Upstream errors and transport failures are tool errors
/// (`isError: true`).
pub fn respond(result: Result<Response, Error>) -> CallToolResult {
    match result {
        Ok(r) => {
            let Some(json) = result_json(&r) else {
                let done = match r.text() {
                    Some(text) => format!(
                        "Done: the upstream answered {} with the text: {}",
                        r.status,
                        text.trim()
                    ),
                    None => format!("Done: the upstream answered {} with no content.", r.status),
                };
                return CallToolResult::success(vec![ContentBlock::text(done)]);
            };
            // The body was checked to be one JSON value, so the wrapped forms are JSON too.
            let structured: Value = match serde_json::from_str(&json) {
                Ok(v) => v,
                Err(e) => return tool_error(format!("the upstream's response is invalid: {e}")),
            };
            let mut result = CallToolResult::success(vec![ContentBlock::text(json.into_owned())]);
            result.structured_content = Some(structured);
            result
        }
        Err(Error::Status(e)) => {
            let mut msg = format!("The upstream answered {}", e.status);
            if let Some(d) = &e.detail {
                if let Some(c) = &d.code {
                    msg.push_str(&format!(" ({c})"));
                }
                if let Some(m) = &d.message {
                    msg.push_str(&format!(": {m}"));
                }
                // What exactly was refused: Logto's `details` sentence, or else its structured `data`.
                match (&d.details, &d.data) {
                    (Some(details), _) => msg.push_str(&format!("\n{details}")),
                    (None, Some(data)) if !data.is_null() => msg.push_str(&format!("\n{data}")),
                    _ => {}
                }
            }
            tool_error(msg)
        }
        Err(e) => tool_error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde_json::json;

    use super::*;
    use crate::client::{ErrorBody, JsonBody, ResponseHeaders, StatusError};

    #[test]
    fn array_arguments_are_arrays_of_strings() {
        let args = json!({"ids": ["a", "b"], "bad": ["a", 2], "text": "a"});
        let mut a = Args::new(args.as_object().cloned(), &["ids", "bad", "text", "none"]).unwrap();
        assert_eq!(a.array("ids").unwrap(), Some(vec!["a".into(), "b".into()]));
        assert_eq!(a.array("none").unwrap(), None);
        let bad = a.array("bad").unwrap_err();
        assert_eq!(
            text(&bad),
            "argument `bad` must be an array of strings; `bad[1]` is an integer"
        );
        let text_arg = a.array("text").unwrap_err();
        assert!(
            text(&text_arg)
                .starts_with("argument `text` must be an array of strings, got a string"),
            "{}",
            text(&text_arg)
        );
    }

    fn text(r: &CallToolResult) -> String {
        r.content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect()
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Model {
        name: String,
        size: f64,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        tags: Vec<String>,
    }

    fn body_error(body: Value) -> String {
        let mut args = Map::new();
        args.insert("body".into(), body);
        let refusal = Args::new(Some(args), &["body"])
            .unwrap()
            .body_as::<Model>("body")
            .unwrap_err();
        assert_eq!(refusal.is_error, Some(true));
        text(&refusal)
    }

    #[test]
    fn a_body_outside_its_model_is_refused_naming_where_in_the_schema_s_words() {
        let e = body_error(json!({"size": 1}));
        assert!(
            e.starts_with("argument `body` is invalid: missing field `name`"),
            "{e}"
        );
        let e = body_error(json!({"name": "x", "size": "big"}));
        assert!(
            e.starts_with(
                "argument `body.size` is invalid: invalid type: string \"big\", expected a number"
            ),
            "{e}"
        );
        let e = body_error(json!({"name": "x", "size": 1, "inner": {"tags": ["a", 2]}}));
        assert!(e.starts_with("argument `body.inner.tags[1]` is invalid: invalid type: integer `2`, expected a string"), "{e}");
        let e = body_error(json!({"name": "x", "size": 1, "inner": 3}));
        assert!(e.contains("expected an object"), "{e}");
        let e = body_error(json!([1]));
        assert!(
            e.starts_with("argument `body` must be an object, got an array"),
            "{e}"
        );
    }

    #[test]
    fn a_value_outside_the_listed_ones_is_refused_naming_them() {
        assert!(one_of("cookie-keys", "keyType", &["private-keys", "cookie-keys"]).is_ok());
        let e = text(&one_of("rsa", "keyType", &["private-keys", "cookie-keys"]).unwrap_err());
        assert_eq!(
            e,
            "argument `keyType` must be one of `private-keys`, `cookie-keys`; got \"rsa\""
        );
    }

    fn json_response(body: &'static str, total: Option<&str>) -> Response {
        Response {
            status: 200,
            headers: ResponseHeaders {
                total_number: total.map(str::to_owned),
                ..ResponseHeaders::default()
            },
            body: Some(JsonBody::new(Bytes::from_static(body.as_bytes())).unwrap()),
            raw: None,
        }
    }

    #[test]
    fn results_are_objects() {
        assert_eq!(
            result_json(&json_response(" {\"a\":1} ", None)).unwrap(),
            "{\"a\":1}"
        );
        assert_eq!(
            result_json(&json_response("[1]", Some("7"))).unwrap(),
            "{\"items\":[1],\"totalNumber\":7}"
        );
        assert_eq!(
            result_json(&json_response("[1]", None)).unwrap(),
            "{\"items\":[1]}"
        );
        assert_eq!(
            result_json(&json_response("\"s\"", None)).unwrap(),
            "{\"value\":\"s\"}"
        );
        let r = respond(Ok(json_response("[1]", Some("7"))));
        assert_eq!(
            r.structured_content,
            Some(json!({"items": [1], "totalNumber": 7}))
        );
        assert_eq!(r.is_error, Some(false));
    }

    #[test]
    fn text_and_empty_answers_say_what_happened() {
        let created = Response {
            status: 201,
            headers: ResponseHeaders::default(),
            body: None,
            raw: Some(Bytes::from_static(b"Created\n")),
        };
        let r = respond(Ok(created));
        assert_eq!(
            text(&r),
            "Done: the upstream answered 201 with the text: Created"
        );
        assert!(r.structured_content.is_none());
        let empty = Response {
            status: 204,
            headers: ResponseHeaders::default(),
            body: None,
            raw: None,
        };
        assert_eq!(
            text(&respond(Ok(empty))),
            "Done: the upstream answered 204 with no content."
        );
    }

    #[test]
    fn upstream_errors_say_what_was_refused() {
        let status = |detail: ErrorBody| {
            Error::Status(Box::new(StatusError {
                status: 400,
                detail: Some(detail),
                headers: ResponseHeaders::default(),
                body: None,
                raw: None,
            }))
        };
        let r = respond(Err(status(ErrorBody {
            code: Some("guard.invalid_input".into()),
            message: Some("The request body is invalid.".into()),
            details: Some("Error in key path \"type\": (invalid_enum_value)".into()),
            data: Some(json!({"issues": []})),
        })));
        assert_eq!(r.is_error, Some(true));
        assert_eq!(
            text(&r),
            "The upstream answered 400 (guard.invalid_input): The request body is invalid.\nError in key path \"type\": (invalid_enum_value)"
        );
        let r = respond(Err(status(ErrorBody {
            code: Some("c".into()),
            message: None,
            details: None,
            data: Some(json!({"field": "name"})),
        })));
        assert_eq!(
            text(&r),
            "The upstream answered 400 (c)\n{\"field\":\"name\"}"
        );
    }

    #[test]
    fn arguments_are_checked() {
        const ACCEPTED: &[&str] = &["id", "page", "body"];
        let args = |v: Value| Args::new(v.as_object().cloned(), ACCEPTED);
        let e = args(json!({"id": "a", "nope": 1, "also": 2})).unwrap_err();
        assert_eq!(
            text(&e),
            "unknown arguments `also`, `nope`; accepted: id, page, body"
        );
        let mut a = args(json!({"id": 5, "page": 1.5, "body": {"x": 1}})).unwrap();
        assert_eq!(
            text(&a.string("id").unwrap_err()),
            "argument `id` must be a string, got an integer; accepted arguments: id, page, body"
        );
        assert!(a.integer("page").is_err());
        assert_eq!(a.body("body").unwrap(), Some(json!({"x": 1})));
        let mut a = args(json!({"page": null})).unwrap();
        assert_eq!(a.integer("page").unwrap(), None);
        assert!(
            text(&required::<i64>(None, "id", "string", ACCEPTED).unwrap_err())
                .contains("missing required argument `id`")
        );
    }
}

#[cfg(test)]
mod selection_tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const fn def(name: &'static str, toolset: &'static str, read_only: bool) -> ToolDef {
        ToolDef {
            name,
            title: None,
            description: None,
            input_schema: "{}",
            output_schema: None,
            read_only,
            destructive: false,
            idempotent: false,
            open_world: true,
            toolset,
        }
    }

    const DEFS: &[ToolDef] = &[
        def("getapplication", "applications", true),
        def("createapplication", "applications", false),
        def("getresource", "resources", true),
        def("getadminconsoleconfig", "configs", true),
    ];

    fn served(s: &Selection) -> Vec<&'static str> {
        DEFS.iter()
            .filter(|d| s.serves(d))
            .map(|d| d.name)
            .collect()
    }

    #[test]
    fn every_flag_narrows_the_tools_served() {
        assert_eq!(served(&Selection::all()).len(), 4);
        let s = |tools: &[&str], exclude: &[&str], sets: &[&str], ro: bool| {
            let v = |x: &[&str]| x.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
            Selection::new(&v(tools), &v(exclude), &v(sets), ro).unwrap()
        };
        assert_eq!(
            served(&s(&["get*"], &["*config*"], &[], false)),
            ["getapplication", "getresource"]
        );
        assert_eq!(
            served(&s(&[], &[], &["applications"], true)),
            ["getapplication"]
        );
        assert_eq!(
            served(&s(&["createapplication"], &[], &[], true)),
            Vec::<&str>::new()
        );
        let mask = s(&[], &[], &["resources", "configs"], false).mask(DEFS);
        assert_eq!(&*mask, &[false, false, true, true]);
        assert_eq!(served_tools(DEFS, &mask).len(), 2);
        assert!(Selection::new(&["[".into()], &[], &[], false).is_err());
    }
}
