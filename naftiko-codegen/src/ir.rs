//! The intermediate representation: what a spec *means*, after every reference is resolved. No serde type reaches
//! past this point; emitters read only these types.
//!
//! Every Rust identifier the emitters write for a spec entity (the `ident`, `idents`, `field`, `local`,
//! `query_type` and `path_type` fields) is decided by the naming pass ([`crate::naming`]), which runs right after the
//! resolver and checks them all for clashes; the resolver leaves them empty.

use crate::diagnostic::Pos;

/// A whole capability, resolved.
#[derive(Debug, Clone)]
pub struct Capability {
    pub label: String,
    pub description: Option<String>,
    pub apis: Vec<ConsumedApi>,
    pub binds: Vec<BoundKey>,
    pub rest: Vec<RestAdapter>,
    pub mcp: Vec<McpAdapter>,
    /// The client module's `types`, generated from the consumed APIs' OpenAPI documents; in order of first use.
    pub models: Vec<Model>,
}

impl Capability {
    pub fn operation(&self, r: OpRef) -> &Operation {
        &self.apis[r.api].operations[r.op]
    }

    /// The bound variable `var` (`{{var}}`).
    pub fn bound(&self, var: &str) -> Option<&BoundKey> {
        self.binds.iter().find(|b| b.var == var)
    }
}

/// A variable the capability binds from outside (`binds:`): `{{VAR}}` in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundKey {
    /// The name used in `{{VAR}}`.
    pub var: String,
    /// The binding's namespace (`env` for the process environment).
    pub namespace: String,
    /// The key to read in that namespace.
    pub key: String,
    /// Where `VAR` is declared.
    pub pos: Pos,
    /// Its field of the generated `Bindings`.
    pub field: String,
    /// The file its binding reads keys from (`location: file:///./secrets.yaml` → `./secrets.yaml`), read when the
    /// program starts; none: the process environment.
    pub location: Option<String>,
}

/// A consumed HTTP API (`capability.consumes[]`).
#[derive(Debug, Clone)]
pub struct ConsumedApi {
    pub namespace: String,
    /// Where the namespace is written.
    pub namespace_pos: Pos,
    pub description: Option<String>,
    pub base_uri: BaseUri,
    pub auth: Auth,
    /// The API-level `inputParameters`: headers and query parameters sent with every request, after the
    /// authentication's.
    pub params: Vec<FixedParam>,
    pub operations: Vec<Operation>,
    pub idents: ApiIdents,
}

/// The Rust identifiers of a consumed API in the client module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiIdents {
    /// Its client struct (`ShopClient`).
    pub client_type: String,
    /// Its field of `Clients` (`shop`).
    pub clients_field: String,
    /// The constant holding the base URI (`SHOP_BASE_URI`).
    pub base_uri_const: String,
    /// The constant listing the base URI's placeholders (`SHOP_BASE_URI_PLACEHOLDERS`).
    pub placeholders_const: String,
    /// The function that builds the runtime's `Auth` from the bound values (`shop_auth`): for `basic` and `apikey`
    /// authentication, whose transport needs more than one value. (A bearer token is the one value
    /// `Auth::Bearer` takes.)
    pub auth_fn: Option<String>,
    /// The function that builds the API's fixed parameters from the bound values (`shop_params`), when it has some.
    pub params_fn: Option<String>,
}

/// A base URI such as `https://[tenant_id].logto.app`, split at its `[name]` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUri {
    pub template: String,
    pub parts: Vec<TemplatePart>,
}

impl BaseUri {
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Param(n) => Some(n.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    Param(String),
}

/// Authentication towards the consumed API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        token: Credential,
    },
    /// `Authorization: Basic <base64(username:password)>`.
    Basic {
        username: Credential,
        password: Credential,
    },
    /// API keys sent with every request: one header or query parameter, or several headers.
    ApiKey {
        keys: Vec<FixedParam>,
    },
}

impl Auth {
    /// Every credential, in the order the spec gives them.
    pub fn credentials(&self) -> Vec<&Credential> {
        match self {
            Auth::None => Vec::new(),
            Auth::Bearer { token } => vec![token],
            Auth::Basic { username, password } => vec![username, password],
            Auth::ApiKey { keys } => keys.iter().map(|k| &k.value).collect(),
        }
    }
}

/// A header or query parameter sent with every request: one API key of `apikey` authentication, or one of the API's
/// own `inputParameters` with a fixed `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedParam {
    pub placement: KeyPlacement,
    /// The header's or query parameter's name, as the spec writes it.
    pub name: String,
    pub value: Credential,
}

/// Where an API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    Header,
    Query,
}

impl KeyPlacement {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPlacement::Header => "header",
            KeyPlacement::Query => "query",
        }
    }

    /// What is sent: `header`, `query parameter`.
    pub fn noun(self) -> &'static str {
        match self {
            KeyPlacement::Header => "header",
            KeyPlacement::Query => "query parameter",
        }
    }
}

/// A credential of an authentication: a bound value or a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub value: ValueSource,
    /// Where the value is written.
    pub pos: Pos,
    /// The constant naming its bound variable (`SHOP_BEARER_TOKEN_VAR`) or holding the literal
    /// (`SHOP_BEARER_TOKEN`).
    pub const_ident: String,
}

/// A value known at build time or bound at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// `{{VAR}}`: the bound key `VAR`.
    Bound(String),
    Literal(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// POST, PUT and PATCH forward a JSON request body.
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    /// A map of string keys to string values, sent form-exploded (`a.b=x&c=y`).
    Object,
    /// A list of strings: a query parameter sends one `key=value` pair per element (`id=a&id=b`).
    Array,
}

impl ParamType {
    pub fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "string" => ParamType::String,
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "object" => ParamType::Object,
            "array" => ParamType::Array,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Object => "object",
            ParamType::Array => "array",
        }
    }

    /// Whether a value of this type is one piece of text once sent (not a map or a list).
    pub fn is_scalar(self) -> bool {
        !matches!(self, ParamType::Object | ParamType::Array)
    }

    /// The indefinite article of its name: `an integer`, `a string`.
    pub fn article(self) -> &'static str {
        match self {
            ParamType::Integer | ParamType::Object | ParamType::Array => "an",
            ParamType::String | ParamType::Number | ParamType::Boolean => "a",
        }
    }
}

/// A consumed operation: one upstream HTTP call.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The name used in `call: namespace.name`.
    pub name: String,
    /// Its method of the client: typed when the operation is ([`Operation::typing`]).
    pub ident: String,
    /// Its method of the client that returns the upstream's response as sent, which the adapters call: `ident`
    /// itself when the operation is untyped, `{ident}_raw` when it is typed.
    pub raw_ident: String,
    /// The struct of its query parameters; none when it has none.
    pub query_type: Option<String>,
    pub description: Option<String>,
    pub method: Method,
    pub path: PathTemplate,
    /// In order of appearance in the path.
    pub path_params: Vec<Param>,
    /// In order of declaration.
    pub query_params: Vec<Param>,
    /// `in: header`, in order of declaration: each sent as the header of its name.
    pub header_params: Vec<Param>,
    /// POST/PUT/PATCH without a body template: the caller's JSON body is forwarded.
    pub body: bool,
    /// The request body the spec writes (`body:`), filled from the operation's body parameters.
    pub template: Option<BodyTemplate>,
    /// The values the body template names (`{{shipImo}}`), in order of first appearance: each a method argument of
    /// the client, bound at a call like any parameter.
    pub body_params: Vec<Param>,
    pub output: OutputMapping,
    pub pos: Pos,
    /// What the upstream's OpenAPI document says of it, when one was given and has the operation.
    pub typing: Option<Typing>,
}

/// A request body template, split at its placeholders: the generated client writes its pieces in order, each value
/// encoded for where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyTemplate {
    /// The `Content-Type` it is sent with.
    pub content_type: &'static str,
    pub pieces: Vec<BodyPiece>,
    /// Where the body is written.
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyPiece {
    /// Text written as is (already encoded for its place: JSON, form).
    Literal(String),
    /// The value of the body parameter `param` (an argument of the client method), encoded for where it stands.
    Value { param: String, place: BodyPlace },
}

/// Where a body value stands, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyPlace {
    /// Inside a JSON string (`"{{name}}"`): its text, JSON-escaped.
    JsonString,
    /// Where a JSON value goes (`{{crewIds}}`): the value as JSON.
    JsonValue,
    /// In a text body: its text as is.
    Text,
    /// In a form body's value: its text, form-encoded.
    Form,
}

impl Operation {
    /// Every parameter: path parameters, then header parameters, then query parameters, then the values of the body
    /// template.
    pub fn params(&self) -> impl Iterator<Item = &Param> {
        self.path_params
            .iter()
            .chain(&self.header_params)
            .chain(&self.query_params)
            .chain(&self.body_params)
    }
}

/// What an upstream's OpenAPI document (`Config::openapi`) says of a consumed operation: its `operationId` and the
/// JSON Schemas of its body and successful response, each made self-contained ([`crate::openapi::schema`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Typing {
    /// The document's `operationId` (`CreateApplication`), which the Rust names derive from.
    pub operation_id: String,
    /// Where the operation is in the document (`logto.openapi.json#/paths/~1api~1applications/post`).
    pub location: String,
    /// The JSON request body's schema, when the document states one.
    pub body: Option<serde_json::Value>,
    /// Whether a body must be sent: the document requires one, and some of its fields.
    pub body_required: bool,
    /// The successful response's status (the lowest 2xx the document lists).
    pub status: u16,
    /// The successful response's JSON schema; none when the document states no JSON body (204, `Created`).
    pub response: Option<serde_json::Value>,
    /// The Rust types of the client module's `types` (decided by the naming pass).
    pub types: TypingIdents,
}

/// The models of a typed operation, in the client module's `types`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypingIdents {
    /// Its request body (`CreateApplicationRequest`).
    pub body: Option<String>,
    /// What its successful response holds.
    pub response: ResponseModel,
}

/// The Rust type of a typed operation's successful response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ResponseModel {
    /// No body (`()`).
    #[default]
    Empty,
    /// A model (`Application`).
    Named(String),
    /// A JSON array of a model (`Vec<Application>`).
    ListOf(String),
}

/// A model of the client module's `types`: a Rust type generated from a JSON Schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    /// Its schema, as [`crate::openapi::schema::for_types`] leaves it.
    pub schema: serde_json::Value,
    /// It is read from responses: an enum in it keeps values it does not know rather than refusing them.
    pub read: bool,
}

/// A path such as `/api/applications/{id}/roles`, split into literal text and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    pub template: String,
    pub parts: Vec<TemplatePart>,
}

impl PathTemplate {
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Param(n) => Some(n.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }

    /// The group of the path, what an MCP tool calling it belongs to: its first segment of literal text, after a leading
    /// `api` and version (`v1`) segment (`/api/applications/{id}` → `applications`); none when it has no such segment.
    pub fn group(&self) -> Option<&str> {
        let first_literal = self.parts.iter().find_map(|p| match p {
            TemplatePart::Literal(s) => Some(s.as_str()),
            TemplatePart::Param(_) => None,
        })?;
        let is_version = |s: &str| {
            s.strip_prefix('v')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        };
        // Only the literal text before the first placeholder is read: `/api/{tenant}/x` has no group of its own.
        let whole_segments = match first_literal.rfind('/') {
            Some(i) if self.parts.len() > 1 => &first_literal[..i],
            _ => first_literal,
        };
        whole_segments
            .split('/')
            .filter(|s| !s.is_empty())
            .find(|s| *s != "api" && !is_version(s))
    }

    /// The path with every placeholder written `{name}` (as axum 0.8 routes spell them).
    pub fn normalized(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                TemplatePart::Literal(s) => s.clone(),
                TemplatePart::Param(n) => format!("{{{n}}}"),
            })
            .collect()
    }

    /// The path's shape, parameters anonymised: `/api/applications/{}`; two routes with the same shape and method
    /// would answer the same requests.
    pub fn shape(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                TemplatePart::Literal(s) => s.as_str(),
                TemplatePart::Param(_) => "{}",
            })
            .collect()
    }
}

/// A parameter of a consumed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// A path or header parameter's argument of the client method, or a query parameter's field of the query struct.
    pub ident: String,
    pub ty: ParamType,
    pub description: Option<String>,
    pub required: bool,
    /// False when the parameter was inferred from a `{x}` in the path rather than declared.
    pub declared: bool,
    pub pos: Pos,
    /// Its JSON Schema in the upstream's OpenAPI document, when there is one (for its enum and default).
    pub schema: Option<serde_json::Value>,
    /// Where its value comes from when a call does not map it, as its `value` says: `{{name}}` an input of the
    /// caller, `{{VAR}}` a bound value, or a literal.
    pub value: Option<ArgSource>,
}

/// How an operation's output is produced from the upstream response.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputMapping {
    /// `$.`: the whole response body, as sent.
    Whole,
    /// A shaped output: JSON built from the upstream's body.
    Shaped(Shape),
}

/// An output parameter that shapes the answer: its type, where its value comes from, and its members or elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub ty: ShapeType,
    pub source: ShapeSource,
    /// `type: object` with `properties`: its members, in spec order, each mapped relative to this object's value.
    pub properties: Option<Vec<(String, Shape)>>,
    /// `type: array` with `items`: the shape of each element, mapped relative to the element.
    pub items: Option<Box<Shape>>,
}

/// The type an output parameter declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
}

impl ShapeType {
    pub fn parse(s: &str) -> Option<ShapeType> {
        Some(match s {
            "string" => ShapeType::String,
            "number" => ShapeType::Number,
            "integer" => ShapeType::Integer,
            "boolean" => ShapeType::Boolean,
            "object" => ShapeType::Object,
            "array" => ShapeType::Array,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ShapeType::String => "string",
            ShapeType::Number => "number",
            ShapeType::Integer => "integer",
            ShapeType::Boolean => "boolean",
            ShapeType::Object => "object",
            ShapeType::Array => "array",
        }
    }
}

/// Where a shaped value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeSource {
    /// A JSONPath `mapping` relative to the current value (`$.` or none: the current value itself).
    Path(Vec<PathStep>),
    /// A `value` or `const`: always this JSON.
    Const(serde_json::Value),
}

/// One step of a compiled JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// `.name`, `['name']`.
    Key(String),
    /// `[n]`.
    Index(usize),
    /// `[*]`, `.*`.
    Each,
}

/// Reference to a consumed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpRef {
    pub api: usize,
    pub op: usize,
}

/// Where a consumed parameter's value comes from in an exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgSource {
    /// An exposed input (a REST path/query parameter, an MCP tool argument), by name.
    Input(String),
    /// A bound key, `{{VAR}}`.
    Bound(String),
    /// A literal value.
    Literal(String),
}

/// One consumed parameter bound to its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgBinding {
    /// The consumed parameter's name.
    pub param: String,
    pub source: ArgSource,
}

/// Where an exposed input is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputLocation {
    Path,
    Query,
    /// A value read from the request's JSON body, at [`ExposedInput::body_path`].
    Body,
    /// A request header of the input's name.
    Header,
}

/// An input an exposure takes from its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposedInput {
    pub name: String,
    /// A REST path input's field of the handler's path struct.
    pub ident: String,
    /// The local variable the adapter parses the input into.
    pub local: String,
    pub ty: ParamType,
    pub description: Option<String>,
    pub required: bool,
    /// For REST: where the input is read from. MCP tool inputs are always arguments (`Query` by convention).
    pub location: InputLocation,
    /// For a REST input `in: body`: where in the request's JSON body its value is (its `value: $.user.id`).
    pub body_path: Vec<PathStep>,
    /// Where it is declared: a placeholder of the exposed path, a declared input, or, for an input the exposure adds
    /// for an unmapped parameter, that parameter.
    pub pos: Pos,
    /// The exposure adds this input for the called operation's unmapped parameter of the same name (and names it in
    /// Rust like that parameter).
    pub for_param: bool,
}

/// A REST adapter (`exposes[]` with `type: rest`).
#[derive(Debug, Clone)]
pub struct RestAdapter {
    pub namespace: String,
    /// Where the namespace is written.
    pub namespace_pos: Pos,
    pub description: Option<String>,
    /// The host name or IP address the spec means it to listen on (`address`).
    pub address: Option<String>,
    pub port: u16,
    /// What its callers must send (`authentication`).
    pub inbound: Auth,
    /// One route per distinct path, in order of first appearance.
    pub routes: Vec<RestRoute>,
    pub idents: RestIdents,
}

/// The Rust identifiers of a REST adapter in the REST module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestIdents {
    /// The module of its handlers (`shop_rest`).
    pub module: String,
    /// Its router constructor (`shop_rest_router`).
    pub router_fn: String,
    /// The constant holding its port (`SHOP_REST_PORT`).
    pub port_const: String,
    /// The constant holding its address (`SHOP_REST_ADDRESS`).
    pub address_const: String,
    /// The constant listing its routes (`SHOP_REST_ROUTES`).
    pub routes_const: String,
    /// The constants holding its OpenAPI document, without and with the bearer security scheme
    /// (`SHOP_REST_OPENAPI`, `SHOP_REST_OPENAPI_BEARER`).
    pub openapi_consts: [String; 2],
    /// The function that builds its inbound authentication from the bound values (`shop_rest_auth`), when it has one.
    pub auth_fn: Option<String>,
}

/// All operations exposed on one path.
#[derive(Debug, Clone)]
pub struct RestRoute {
    pub path: PathTemplate,
    pub operations: Vec<RestOperation>,
}

/// The call of a consumed operation from an exposure, what a REST operation and an MCP tool share: the inputs the
/// exposure takes from its caller, and where each parameter of the consumed operation gets its value.
#[derive(Debug, Clone)]
pub struct Call {
    /// The consumed operation called.
    pub target: OpRef,
    /// REST: path inputs first (in path order), then query inputs, then header inputs. MCP: the tool's final argument list, declared
    /// inputs first, then unbound path parameters, then unbound header parameters, then unbound query
    /// parameters.
    pub inputs: Vec<ExposedInput>,
    /// One binding per consumed parameter (path parameters first, then header parameters, then query parameters).
    pub args: Vec<ArgBinding>,
    /// The caller's JSON body is forwarded: the consumed operation is a POST, PUT or PATCH (REST: the request's
    /// body, whatever the exposed method; MCP: a `body` argument).
    pub body: bool,
    pub output: OutputMapping,
}

#[derive(Debug, Clone)]
pub struct RestOperation {
    pub name: String,
    /// Its handler function.
    pub ident: String,
    /// The struct its path inputs are read into; none when it has none.
    pub path_type: Option<String>,
    pub description: Option<String>,
    pub method: Method,
    pub call: Call,
    pub pos: Pos,
}

/// An MCP adapter (`exposes[]` with `type: mcp`).
#[derive(Debug, Clone)]
pub struct McpAdapter {
    pub namespace: String,
    /// Where the namespace is written.
    pub namespace_pos: Pos,
    pub description: Option<String>,
    /// The host name or IP address the spec means it to listen on (`address`).
    pub address: Option<String>,
    pub port: Option<u16>,
    pub transport: McpTransport,
    /// What its callers must send (`authentication`).
    pub inbound: Auth,
    pub tools: Vec<Tool>,
    pub idents: McpIdents,
}

/// The Rust identifiers of an MCP adapter in the MCP module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpIdents {
    /// The module of its tool functions (`shop_mcp`).
    pub module: String,
    /// Its rmcp server (`ShopMcpServer`).
    pub server_type: String,
    /// Its tool table (`SHOP_MCP_TOOLS`).
    pub tools_const: String,
    /// The toolsets of its tools, in order of first appearance (`SHOP_MCP_TOOLSETS`).
    pub toolsets_const: String,
    /// The server name it announces (`SHOP_MCP_NAME`).
    pub name_const: String,
    /// The instructions it announces (`SHOP_MCP_INSTRUCTIONS`).
    pub instructions_const: String,
    /// The port the spec gives it (`SHOP_MCP_PORT`).
    pub port_const: String,
    /// The address the spec gives it (`SHOP_MCP_ADDRESS`).
    pub address_const: String,
    /// The function that builds its inbound authentication from the bound values (`shop_mcp_auth`), when it has one.
    pub auth_fn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpTransport {
    Http,
    Stdio,
}

/// MCP tool annotations, with the format's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}

impl Default for Hints {
    fn default() -> Self {
        Hints {
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tool {
    pub name: String,
    /// Its tool function.
    pub ident: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub hints: Hints,
    pub call: Call,
    pub pos: Pos,
}
