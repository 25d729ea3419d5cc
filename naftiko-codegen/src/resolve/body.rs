//! A consumed operation's request `body`: a Mustache template (a raw string, or `{type, data}`), split at build time
//! into the literal pieces and the values the generated client writes between them. No template engine runs.

use super::Resolver;
use super::binds::Reference;
use super::fields::{report_extra, req};
use crate::diagnostic::{Code, Pos};
use crate::ir::{BodyPiece, BodyPlace, BodyTemplate, Method, Param, ParamType};
use crate::names;
use crate::parse::model::{self, Body, Field};

/// A piece of template text: literal text, or a `{{tag}}` with what is between the braces.
#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Text(&'a str),
    Tag(&'a str),
}

/// Splits `text` at its `{{tag}}`s (`{{{tag}}}` is the same tag); an unclosed `{{` is an error.
fn segments(text: &str) -> Result<Vec<Segment<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Segment::Text(&rest[..start]));
        }
        let triple = rest[start..].starts_with("{{{");
        let open = if triple { 3 } else { 2 };
        let close = if triple { "}}}" } else { "}}" };
        let after = &rest[start + open..];
        let Some(end) = after.find(close) else {
            return Err("a `{{` is not closed".to_owned());
        };
        out.push(Segment::Tag(after[..end].trim()));
        rest = &after[end + close.len()..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest));
    }
    Ok(out)
}

/// Where each tag of a JSON template stands: inside a string or where a value goes. Tracks JSON strings (and their
/// escapes) across the literal pieces.
fn json_places(segments: &[Segment<'_>]) -> Vec<BodyPlace> {
    let mut in_string = false;
    let mut escaped = false;
    let mut places = Vec::new();
    for s in segments {
        match s {
            Segment::Text(t) => {
                for c in t.chars() {
                    match (in_string, escaped, c) {
                        (true, true, _) => escaped = false,
                        (true, false, '\\') => escaped = true,
                        (_, false, '"') => in_string = !in_string,
                        _ => {}
                    }
                }
            }
            Segment::Tag(_) => places.push(if in_string {
                BodyPlace::JsonString
            } else {
                BodyPlace::JsonValue
            }),
        }
    }
    places
}

/// What a body is, from its `type`.
enum Kind {
    Json,
    Text(&'static str),
    Form,
}

impl Resolver<'_> {
    /// The template of `body` and the parameters it names, for an operation sent with `method`.
    pub(super) fn body_template(
        &mut self,
        body: &Field<Body>,
        method: Option<Method>,
        op: &str,
    ) -> Option<(BodyTemplate, Vec<Param>)> {
        if let Some(m) = method.filter(|m| !m.has_body()) {
            self.d.error(
                Code::InvalidValue,
                body.key_pos,
                format!(
                    "`{op}` is a {} request, which sends no body (POST, PUT and PATCH do)",
                    m.as_str()
                ),
            );
            return None;
        }
        let (kind, text, at) = match &body.value {
            Body::Raw(t) => (Kind::Json, t.clone(), body.pos),
            Body::Typed(b) => self.typed_body(b, body.pos)?,
        };
        let segs = match segments(&text) {
            Ok(s) => s,
            Err(e) => {
                self.d.error(
                    Code::InvalidValue,
                    at,
                    format!("the body template of `{op}` is malformed: {e}"),
                );
                return None;
            }
        };
        for s in &segs {
            if let Segment::Tag(tag) = s
                && let Some(c) = tag.chars().next().filter(|c| "#^/>!&=".contains(*c))
            {
                self.d.unsupported(
                    at,
                    format!(
                        "Mustache `{{{{{c}…}}}}` tags in the body of `{op}` (only `{{{{name}}}}` values)"
                    ),
                );
                return None;
            }
        }
        let places = match kind {
            Kind::Json => {
                self.check_json(&segs, at, op)?;
                json_places(&segs)
            }
            Kind::Text(_) => vec![BodyPlace::Text; segs.len()],
            Kind::Form => vec![BodyPlace::Form; segs.len()],
        };
        let mut places = places.into_iter();
        let mut pieces = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        for s in segs {
            match s {
                Segment::Text(t) => pieces.push(BodyPiece::Literal(t.to_owned())),
                Segment::Tag(tag) => {
                    let place = places.next().unwrap_or(BodyPlace::Text);
                    let name = self.body_param(tag, at, op)?;
                    if !params.iter().any(|p| p.name == name) {
                        params.push(Param {
                            name: name.clone(),
                            ident: String::new(),
                            // Any value: the client writes it as its place asks.
                            ty: ParamType::String,
                            description: Some(format!("`{{{{{tag}}}}}` of the request body.")),
                            required: true,
                            declared: false,
                            pos: at,
                            schema: None,
                            value: None,
                        });
                    }
                    pieces.push(BodyPiece::Value { param: name, place });
                }
            }
        }
        let content_type = match kind {
            Kind::Json => "application/json",
            Kind::Text(t) => t,
            Kind::Form => "application/x-www-form-urlencoded",
        };
        Some((
            BodyTemplate {
                content_type,
                pieces,
                pos: at,
            },
            params,
        ))
    }

    /// `{type, data}`: the kind of body and its template text.
    fn typed_body(&mut self, b: &model::TypedBody, at: Pos) -> Option<(Kind, String, Pos)> {
        report_extra(b, self.d);
        let t = req(&b.r#type, "type", "request body", at, self.d);
        let data = req(&b.data, "data", "request body", at, self.d);
        let (t, data) = (t?, data?);
        let kind = match t.value.as_str() {
            "json" => Kind::Json,
            "text" => Kind::Text("text/plain; charset=utf-8"),
            "xml" => Kind::Text("application/xml"),
            "sparql" => Kind::Text("application/sparql-query"),
            "formUrlEncoded" => Kind::Form,
            "form" => {
                self.d.warning(
                    Code::Dialect,
                    t.pos,
                    "`type: form` is read as `formUrlEncoded` (the format's name for a URL-encoded form)",
                );
                Kind::Form
            }
            "multipartForm" => {
                self.d.unsupported(t.pos, "`multipartForm` request bodies");
                return None;
            }
            other => {
                self.d.error(
                    Code::InvalidValue,
                    t.pos,
                    format!(
                        "request body type `{other}` is not one of json, text, xml, sparql, formUrlEncoded, multipartForm"
                    ),
                );
                return None;
            }
        };
        let text = match (&kind, &data.value) {
            (_, serde_json::Value::String(s)) => s.clone(),
            // A JSON object or array is the template: its strings may hold `{{tags}}`.
            (Kind::Json, v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                v.to_string()
            }
            // A form's fields: each key and literal text form-encoded now, each tag when the request is made.
            (Kind::Form, serde_json::Value::Object(fields)) => {
                let mut text = String::new();
                for (k, v) in fields {
                    let serde_json::Value::String(v) = v else {
                        self.d.error(
                            Code::InvalidValue,
                            data.pos,
                            format!("form field `{k}` is a string, not {v}"),
                        );
                        return None;
                    };
                    if !text.is_empty() {
                        text.push('&');
                    }
                    text.extend(form_urlencoded::byte_serialize(k.as_bytes()));
                    text.push('=');
                    let Ok(segs) = segments(v) else {
                        self.d.error(
                            Code::InvalidValue,
                            data.pos,
                            format!("form field `{k}`: a `{{{{` is not closed"),
                        );
                        return None;
                    };
                    for s in segs {
                        match s {
                            Segment::Text(t) => {
                                text.extend(form_urlencoded::byte_serialize(t.as_bytes()))
                            }
                            Segment::Tag(tag) => {
                                text.push_str("{{");
                                text.push_str(tag);
                                text.push_str("}}");
                            }
                        }
                    }
                }
                text
            }
            (_, other) => {
                self.d.error(
                    Code::InvalidValue,
                    data.pos,
                    format!(
                        "the `data` of a `{}` body is {}, not {other}",
                        t.value,
                        match kind {
                            Kind::Json => "a string, an object or a list",
                            Kind::Form => "a string or an object of strings",
                            Kind::Text(_) => "a string",
                        }
                    ),
                );
                return None;
            }
        };
        Some((kind, text, data.pos))
    }

    /// A JSON template must be JSON once filled: each tag as `""` inside a string, as `null` elsewhere.
    fn check_json(&mut self, segs: &[Segment<'_>], at: Pos, op: &str) -> Option<()> {
        let places = json_places(segs);
        let mut places = places.iter();
        let mut filled = String::new();
        for s in segs {
            match s {
                Segment::Text(t) => filled.push_str(t),
                Segment::Tag(_) => filled.push_str(match places.next() {
                    Some(BodyPlace::JsonString) => "",
                    _ => "null",
                }),
            }
        }
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&filled) {
            self.d.error(
                Code::InvalidValue,
                at,
                format!(
                    "the body template of `{op}` is not JSON once its values are filled in: {e} (a body in another format is written `{{type: text, data: …}}`)"
                ),
            );
            return None;
        }
        Some(())
    }

    /// The body parameter `{{tag}}` names: `{{name}}`, `{{tools.name}}`, `{{rest.name}}`. A bound variable
    /// (`{{VAR}}` declared in `binds`, `{{env.VAR}}`) is not supported yet in a body.
    fn body_param(&mut self, tag: &str, at: Pos, op: &str) -> Option<String> {
        let Reference::Input(name) = self.reference(tag) else {
            self.d.unsupported(
                at,
                format!("bound values in a request body (`{{{{{tag}}}}}` in the body of `{op}`)"),
            );
            return None;
        };
        if !names::is_param_name(name) {
            self.d.error(
                Code::InvalidValue,
                at,
                format!(
                    "`{{{{{tag}}}}}` in the body of `{op}` does not name a value (letters, digits, `-` and `_`)"
                ),
            );
            return None;
        }
        Some(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_and_placed_in_json() {
        let segs =
            segments(r#"{"a": "x{{ a }}", "b": {{b}}, "c": "\"{{{c}}}"}"#).unwrap_or_default();
        let tags: Vec<&Segment> = segs
            .iter()
            .filter(|s| matches!(s, Segment::Tag(_)))
            .collect();
        assert_eq!(
            tags,
            [&Segment::Tag("a"), &Segment::Tag("b"), &Segment::Tag("c")]
        );
        assert_eq!(
            json_places(&segs),
            [
                BodyPlace::JsonString,
                BodyPlace::JsonValue,
                BodyPlace::JsonString
            ]
        );
        assert!(segments("{{a").is_err());
    }
}
