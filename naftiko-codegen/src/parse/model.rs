//! The serde model of a Naftiko 1.0.0-alpha2 or Ikanos 1.0.0-beta4 document (see [`super::format`]).
//!
//! Every object of the format is a struct whose fields are all optional [`Field`]s: a field remembers where its key
//! and its value stand in the source. Presence of required fields, unknown keys and repeated keys are *recorded*, not
//! rejected, so that the resolver can report every problem of a document in one pass. Only malformed YAML and values
//! of the wrong shape (a list where a string belongs, say) stop the parse.
//!
//! The model covers the whole format — also the parts the compiler does not implement yet (`steps`, `aggregates`,
//! request `body` templates, MCP `resources`/`prompts`, …) — so that using one is reported as "not supported yet" at
//! its location rather than ignored. Parts that are only ever reported, never read, are kept as [`Any`].

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::format::{self, Format, In, Keying};
use crate::diagnostic::Pos;

pub(crate) fn pos_of<T>(s: &Spanned<T>) -> Pos {
    let loc = s.referenced;
    Pos::new(
        u32::try_from(loc.line()).unwrap_or(u32::MAX),
        u32::try_from(loc.column()).unwrap_or(u32::MAX),
    )
    .in_file(super::file_being_parsed())
}

/// A value with the position of its key and of the value itself.
#[derive(Debug, Clone)]
pub struct Field<T> {
    pub key_pos: Pos,
    pub pos: Pos,
    pub value: T,
}

/// A key that the object does not have, or a key given twice.
#[derive(Debug, Clone)]
pub struct ExtraKey {
    pub name: String,
    pub pos: Pos,
    /// The value, when it is a scalar (kept for dialect repairs of repeated keys).
    pub scalar: Option<Spanned<Scalar>>,
    pub duplicate: bool,
    /// The format of the document, whose keys a message about this one lists.
    pub format: Format,
}

/// A scalar as written: strings, numbers and booleans are kept as their text, with their kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Str(String),
    Number(String),
    Bool(bool),
}

impl Scalar {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) | Scalar::Number(s) => Some(s),
            Scalar::Bool(true) => Some("true"),
            Scalar::Bool(false) => Some("false"),
            Scalar::Null => None,
        }
    }
}

/// Any YAML value: scalars are kept, collections are skipped (they are only ever reported, not read).
#[derive(Debug, Clone, PartialEq)]
pub enum Any {
    Scalar(Scalar),
    Seq,
    Map,
}

struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Any;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Number(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Number(v.to_string())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Number(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Number(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Number(v.to_string())))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Str(v.to_owned())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Any, E> {
        Ok(Any::Scalar(Scalar::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Any, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Any, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Any::Seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Any::Map)
    }
}

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(AnyVisitor)? {
            Any::Scalar(s) => Ok(s),
            Any::Seq => Err(de::Error::invalid_type(
                de::Unexpected::Seq,
                &"a string, number or boolean",
            )),
            Any::Map => Err(de::Error::invalid_type(
                de::Unexpected::Map,
                &"a string, number or boolean",
            )),
        }
    }
}

/// An ordered mapping whose keys and values keep their positions. `null` (a key with no value) reads as empty, with
/// `was_null` set.
#[derive(Debug, Clone)]
pub struct Entries<V> {
    pub entries: Vec<(Spanned<String>, Spanned<V>)>,
    pub was_null: bool,
}

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries {
            entries: Vec::new(),
            was_null: false,
        }
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries {
                    entries: Vec::new(),
                    was_null: true,
                })
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                self.visit_unit()
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    let v = map.next_value::<Spanned<V>>()?;
                    entries.push((k, v));
                }
                Ok(Entries {
                    entries,
                    was_null: false,
                })
            }
        }
        d.deserialize_any(EntriesVisitor(PhantomData))
    }
}

/// A list that may also be written as `key:` with no value (read as empty). In an Ikanos document, the items of a
/// kind that Ikanos keys by name ([`SpecObject::KEYING`]) are read from a mapping instead: each key fills the item's
/// name, and the item stands where its key does.
#[derive(Debug, Clone)]
pub struct List<T>(pub Vec<Spanned<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de> + SpecObject> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + SpecObject> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match (format::reading(), T::KEYING) {
                    (Format::Ikanos, Keying::Map) => write!(f, "{}s keyed by name", T::WHAT),
                    (Format::Ikanos, Keying::Either) => {
                        write!(f, "a list, or {}s keyed by name", T::WHAT)
                    }
                    _ => f.write_str("a list"),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                self.visit_unit()
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if format::reading() == Format::Ikanos && T::KEYING == Keying::Map {
                    return Err(de::Error::custom(format!(
                        "expected {}s keyed by name, found a list (a list of named items is Naftiko's form; \
                         Ikanos keys them by name)",
                        T::WHAT
                    )));
                }
                let mut v = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<T>>()? {
                    v.push(item);
                }
                Ok(List(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                match (format::reading(), T::KEYING) {
                    (_, Keying::List) => {
                        return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
                    }
                    (Format::Naftiko, _) => {
                        return Err(de::Error::custom(format!(
                            "expected a list of {}s, found a mapping (items keyed by name are Ikanos' form; \
                             this document is `{}`)",
                            T::WHAT,
                            Format::Naftiko.declaration()
                        )));
                    }
                    (Format::Ikanos, _) => {}
                }
                let mut v = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let mut item = map.next_value::<Spanned<T>>()?;
                    let pos = pos_of(&key);
                    item.value.set_key(Field {
                        key_pos: pos,
                        pos,
                        value: key.value,
                    });
                    v.push(Spanned {
                        value: item.value,
                        referenced: key.referenced,
                        defined: key.defined,
                    });
                }
                Ok(List(v))
            }
        }
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

/// What every object of the format offers the resolver.
pub trait SpecObject {
    /// What this object is called in diagnostics.
    const WHAT: &'static str;
    /// The keys this object has, as the format spells them.
    const KEYS: &'static [&'static str];
    /// For each of [`Self::KEYS`], the formats that have it.
    const IN: &'static [In];
    /// How an Ikanos document writes a collection of these objects.
    const KEYING: Keying;
    /// Keys the format does not have here, and keys given twice, in source order.
    fn extra(&self) -> &[ExtraKey];
    /// Where the (first) key `key` stands, when present.
    fn key_pos(&self, key: &str) -> Option<Pos>;
    /// Names the object by the key it has in a mapping keyed by name (Ikanos). A name also given inside is recorded
    /// as a repeated key.
    fn set_key(&mut self, key: Field<String>);

    /// The keys this object has in a document of `format`.
    fn keys_in(format: Format) -> Vec<&'static str> {
        Self::KEYS
            .iter()
            .zip(Self::IN)
            .filter(|(_, i)| i.has(format))
            .map(|(k, _)| *k)
            .collect()
    }

    /// Whether this object has the key `key` in a document of `format`.
    fn has_key(key: &str, format: Format) -> bool {
        Self::KEYS
            .iter()
            .zip(Self::IN)
            .any(|(k, i)| *k == key && i.has(format))
    }
}

/// Defines an object of the format: a struct of optional [`Field`]s plus the unknown and repeated keys met, and a
/// `Deserialize` that records rather than rejects. `KEYS` lists the field names as the format spells them; a key
/// followed by `in Naftiko` or `in Ikanos` belongs to that format only (in the other, it is an unknown key). An
/// object that Ikanos keys by name says so after its name (`Map by name`: a mapping keyed by the field `name`;
/// `Either by name`: a list, or such a mapping); others are listed in both formats.
macro_rules! spec_object {
    (@in) => { In::Both };
    (@in $fmt:ident) => { In::$fmt };
    (@keying) => { Keying::List };
    (@keying $keying:ident) => { Keying::$keying };
    ($(#[$meta:meta])* $name:ident, $what:literal $(, $keying:ident by $keyfield:ident)?
        { $( $field:ident : $ty:ty = $key:literal $(in $fmt:ident)? ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        pub struct $name {
            $( pub $field: Option<Field<$ty>>, )*
            /// Keys the format does not have here, and keys given twice, in source order.
            pub extra: Vec<ExtraKey>,
        }

        impl SpecObject for $name {
            const WHAT: &'static str = $what;
            const KEYS: &'static [&'static str] = &[$($key),*];
            const IN: &'static [In] = &[$(spec_object!(@in $($fmt)?)),*];
            const KEYING: Keying = spec_object!(@keying $($keying)?);
            fn extra(&self) -> &[ExtraKey] {
                &self.extra
            }
            fn key_pos(&self, key: &str) -> Option<Pos> {
                match key {
                    $( $key => self.$field.as_ref().map(|f| f.key_pos), )*
                    _ => None,
                }
            }
            fn set_key(&mut self, _key: Field<String>) {
                $(
                    if let Some(given) = self.$keyfield.replace(_key) {
                        self.extra.push(ExtraKey {
                            name: stringify!($keyfield).to_owned(),
                            pos: given.key_pos,
                            scalar: None,
                            duplicate: true,
                            format: format::reading(),
                        });
                    }
                )?
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a mapping (", $what, ")"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<Spanned<String>>()? {
                            out.read_entry(key, &mut map)?;
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }

        impl $name {
            /// Reads the value of `key`, the next entry of `map`, into its field (or records the key as extra).
            fn read_entry<'de, A: MapAccess<'de>>(&mut self, key: Spanned<String>, map: &mut A) -> Result<(), A::Error> {
                let format = format::reading();
                let key_pos = pos_of(&key);
                match key.value.as_str() {
                    $(
                        $key if self.$field.is_none() && spec_object!(@in $($fmt)?).has(format) => {
                            let v = map.next_value::<Spanned<$ty>>()?;
                            self.$field = Some(Field { key_pos, pos: pos_of(&v), value: v.value });
                        }
                    )*
                    _ => {
                        let duplicate = <$name as SpecObject>::has_key(&key.value, format);
                        let v = map.next_value::<Spanned<Any>>()?;
                        let scalar = match v.value {
                            Any::Scalar(s) => Some(Spanned { value: s, referenced: v.referenced, defined: v.defined }),
                            _ => None,
                        };
                        self.extra.push(ExtraKey { name: key.value, pos: key_pos, scalar, duplicate, format });
                    }
                }
                Ok(())
            }
        }
    };
}

spec_object!(
    /// The whole document.
    Document, "document" {
        naftiko: String = "naftiko" in Naftiko,
        info: Info = "info",
        consumes: List<ConsumesHttp> = "consumes",
        binds: List<Binding> = "binds",
        capability: Capability = "capability",
        ikanos: String = "ikanos" in Ikanos,
        exposes: Any = "exposes" in Ikanos,
        aggregates: Any = "aggregates" in Ikanos,
    }
);

spec_object!(Info, "info" {
    label: String = "label" in Naftiko,
    display: String = "display" in Ikanos,
    version: String = "version" in Ikanos,
    description: String = "description",
    tags: Any = "tags",
    created: String = "created",
    modified: String = "modified",
    stakeholders: Any = "stakeholders",
});

spec_object!(Capability, "capability" {
    binds: List<Binding> = "binds",
    exposes: List<Exposure> = "exposes",
    consumes: List<ConsumesHttp> = "consumes",
    aggregates: Any = "aggregates",
});

spec_object!(Binding, "binding" {
    namespace: String = "namespace",
    description: String = "description",
    location: String = "location",
    keys: Entries<Scalar> = "keys",
    from: Any = "from" in Ikanos,
    import: Any = "import" in Ikanos,
    r#as: Any = "as" in Ikanos,
});

spec_object!(
    /// `ConsumesHttp`, or an `ImportedConsumesHttp` (`location`/`import`/`as`).
    ConsumesHttp, "consumed API" {
        namespace: String = "namespace",
        r#type: String = "type",
        description: String = "description",
        base_uri: String = "baseUri",
        input_parameters: List<ConsumedInputParameter> = "inputParameters",
        authentication: Authentication = "authentication",
        resources: List<ConsumedResource> = "resources",
        location: Any = "location",
        import: Any = "import",
        r#as: Any = "as",
        from: Any = "from" in Ikanos,
        tunnel: Any = "tunnel" in Ikanos,
    }
);

spec_object!(
    /// Every authentication variant of the format in one object; `type` tells which. `in`, `name` and `headers` are
    /// how this spec dialect's generator writes an API key: `in` for `placement`, `name` for `key`, and `headers` for
    /// several header keys.
    Authentication, "authentication" {
        r#type: String = "type",
        token: Scalar = "token",
        username: Scalar = "username",
        password: Scalar = "password",
        key: String = "key",
        value: Scalar = "value",
        placement: String = "placement",
        r#in: String = "in",
        name: String = "name",
        headers: Entries<Scalar> = "headers",
        authorization_server_uri: Any = "authorizationServerUri",
        resource: Any = "resource",
        scopes: Any = "scopes",
        audience: Any = "audience",
        token_endpoint: Any = "tokenEndpoint",
        token_validation: Any = "tokenValidation",
    }
);

spec_object!(ConsumedResource, "consumed resource", Map by name {
    name: String = "name" in Naftiko,
    label: String = "label" in Naftiko,
    display: String = "display" in Ikanos,
    tags: Any = "tags" in Ikanos,
    description: String = "description",
    path: String = "path",
    input_parameters: Any = "inputParameters",
    operations: List<ConsumedOperation> = "operations",
});

spec_object!(ConsumedOperation, "consumed operation", Map by name {
    name: String = "name" in Naftiko,
    label: String = "label" in Naftiko,
    display: String = "display" in Ikanos,
    tags: Any = "tags" in Ikanos,
    max_binary_size: Any = "maxBinarySize" in Ikanos,
    output_media_type: Any = "outputMediaType" in Ikanos,
    description: String = "description",
    method: String = "method",
    input_parameters: List<ConsumedInputParameter> = "inputParameters",
    output_raw_format: String = "outputRawFormat",
    output_schema: Any = "outputSchema",
    output_parameters: List<ConsumedOutputParameter> = "outputParameters",
    body: Body = "body",
});

spec_object!(
    /// A consumed parameter. `type`, `description` and `required` are this spec dialect's additions to the schema.
    ConsumedInputParameter, "consumed input parameter", Map by name {
        name: String = "name" in Naftiko,
        r#in: String = "in",
        value: Any = "value",
        r#type: String = "type",
        description: String = "description",
        required: bool = "required",
    }
);

spec_object!(ConsumedOutputParameter, "consumed output parameter", Map by name {
    name: String = "name" in Naftiko,
    r#type: String = "type",
    value: String = "value",
});

spec_object!(
    /// Every exposure variant (`rest`, `mcp`, `skill`, `control`) in one object; `type` tells which.
    Exposure, "exposure" {
        r#type: String = "type",
        address: String = "address",
        port: u32 = "port",
        namespace: String = "namespace",
        description: String = "description",
        authentication: Authentication = "authentication",
        resources: List<ExposedResource> = "resources",
        tools: List<McpTool> = "tools",
        prompts: Any = "prompts",
        transport: String = "transport",
        skills: Any = "skills",
        management: Any = "management",
        observability: Any = "observability",
        max_binary_size: Any = "maxBinarySize" in Ikanos,
        ttl_ms: Any = "ttlMs" in Ikanos,
        cache_scope: Any = "cacheScope" in Ikanos,
        from: Any = "from" in Ikanos,
        import: Any = "import" in Ikanos,
        r#as: Any = "as" in Ikanos,
    }
);

spec_object!(ExposedResource, "exposed resource", Map by name {
    label: String = "label" in Naftiko,
    description: String = "description",
    path: String = "path",
    name: String = "name" in Naftiko,
    display: String = "display" in Ikanos,
    tags: Any = "tags" in Ikanos,
    binary: Any = "binary" in Ikanos,
    input_parameters: List<ExposedInputParameter> = "inputParameters",
    operations: List<ExposedOperation> = "operations",
    forward: Any = "forward",
    // Keys of MCP resources, kept so that an `mcp` exposure's `resources` read cleanly and are reported as one
    // unsupported feature.
    uri: Any = "uri",
    mime_type: Any = "mimeType",
    call: Any = "call",
    with: Any = "with",
    steps: Any = "steps",
    mappings: Any = "mappings",
    output_parameters: Any = "outputParameters",
    location: Any = "location",
});

spec_object!(ExposedOperation, "exposed operation", Map by name {
    name: String = "name" in Naftiko,
    label: String = "label" in Naftiko,
    display: String = "display" in Ikanos,
    tags: Any = "tags" in Ikanos,
    responses: Any = "responses" in Ikanos,
    response_binary: Any = "responseBinary" in Ikanos,
    description: String = "description",
    method: String = "method",
    input_parameters: List<ExposedInputParameter> = "inputParameters",
    r#ref: Any = "ref",
    call: String = "call",
    with: Entries<Scalar> = "with",
    output_parameters: List<MappedOutputParameter> = "outputParameters",
    steps: Any = "steps",
    mappings: Any = "mappings",
});

spec_object!(ExposedInputParameter, "exposed input parameter", Map by name {
    name: String = "name" in Naftiko,
    r#in: String = "in",
    r#type: String = "type",
    description: String = "description",
    pattern: Any = "pattern",
    value: Any = "value",
    required: bool = "required",
});

spec_object!(McpTool, "MCP tool", Map by name {
    name: String = "name" in Naftiko,
    label: String = "label" in Naftiko,
    display: String = "display" in Ikanos,
    tags: Any = "tags" in Ikanos,
    description: String = "description",
    input_parameters: List<McpToolInputParameter> = "inputParameters",
    r#ref: Any = "ref",
    call: String = "call",
    with: Entries<Scalar> = "with",
    steps: Any = "steps",
    mappings: Any = "mappings",
    hints: McpToolHints = "hints",
    output_parameters: List<MappedOutputParameter> = "outputParameters",
});

spec_object!(McpToolInputParameter, "MCP tool input parameter", Map by name {
    name: String = "name" in Naftiko,
    r#type: String = "type",
    description: String = "description",
    required: bool = "required",
});

spec_object!(McpToolHints, "MCP tool hints" {
    read_only: bool = "readOnly",
    destructive: bool = "destructive",
    idempotent: bool = "idempotent",
    open_world: bool = "openWorld",
});

spec_object!(MappedOutputParameter, "output parameter", Either by name {
    name: String = "name",
    r#type: String = "type",
    mapping: String = "mapping",
    r#const: serde_json::Value = "const",
    value: Scalar = "value",
    properties: Entries<MappedOutputParameter> = "properties",
    items: Items = "items",
});

/// A consumed operation's request `body`: a raw template (a string, sent as JSON unless a `Content-Type` parameter
/// says otherwise), or an object with a `type` and its `data`.
#[derive(Debug, Clone)]
pub enum Body {
    Raw(String),
    Typed(Box<TypedBody>),
}

spec_object!(
    /// `{type: json|text|xml|sparql|formUrlEncoded|multipartForm, data}` (and `form`, a spec generator's name for
    /// `formUrlEncoded`).
    TypedBody, "request body" {
        r#type: String = "type",
        data: serde_json::Value = "data",
    }
);

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Body;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a body template (a string) or a request body (`type` and `data`)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Body, E> {
                Ok(Body::Raw(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body, A::Error> {
                TypedBody::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|b| Body::Typed(Box::new(b)))
            }
        }
        d.deserialize_any(V)
    }
}

/// An output's `items`: one output parameter, as the schema writes it, or named ones — a list of them (Naftiko) or a
/// mapping keyed by name (Ikanos) — as the outputs of orchestrated steps are written (read only to be reported).
#[derive(Debug, Clone)]
pub enum Items {
    One(Box<MappedOutputParameter>),
    List,
}

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an output parameter")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Items, A::Error> {
                if format::reading() == Format::Naftiko {
                    return MappedOutputParameter::deserialize(
                        de::value::MapAccessDeserializer::new(map),
                    )
                    .map(|p| Items::One(Box::new(p)));
                }
                // Ikanos: one parameter (`type: array`, …) or parameters keyed by name (`fullName: {type: string}`),
                // told apart by the first key: a key an output parameter does not have, or a `type` whose value is a
                // mapping, names a parameter.
                let mut one = MappedOutputParameter::default();
                let Some(first) = map.next_key::<Spanned<String>>()? else {
                    return Ok(Items::One(Box::new(one)));
                };
                if first.value == "type" {
                    let v = map.next_value::<Spanned<Any>>()?;
                    let Any::Scalar(ty) = &v.value else {
                        return skip_rest(map);
                    };
                    one.r#type = Some(Field {
                        key_pos: pos_of(&first),
                        pos: pos_of(&v),
                        value: ty.as_text().unwrap_or_default().to_owned(),
                    });
                } else if MappedOutputParameter::has_key(&first.value, Format::Ikanos) {
                    one.read_entry(first, &mut map)?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                    return skip_rest(map);
                }
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    one.read_entry(key, &mut map)?;
                }
                Ok(Items::One(Box::new(one)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Items::List)
            }
        }
        fn skip_rest<'de, A: MapAccess<'de>>(mut map: A) -> Result<Items, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Items::List)
        }
        d.deserialize_any(V)
    }
}
