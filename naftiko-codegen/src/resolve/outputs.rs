//! Outputs: how a consumed operation's response becomes what an exposure returns: the whole response (`$.`), or a
//! shaped output built from it (`properties`, `items`, typed leaves with JSONPath `mapping`s, `value`s and `const`s).

use super::fields::{items, report_extra, req, unsupported};
use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{OutputMapping, PathStep, Shape, ShapeSource, ShapeType};
use crate::parse::model::{self, Field, List, Scalar};

/// A consumed operation's output parameter `value`: `$.` or absent, the whole response. Anything else is a JSONPath
/// the compiler does not evaluate on consumed operations yet.
pub(super) fn output_mapping(
    mapping: Option<&Field<String>>,
    d: &mut Diagnostics,
) -> OutputMapping {
    if let Some(m) = mapping
        && !is_whole(&m.value)
    {
        d.unsupported(
            m.pos,
            format!(
                "consumed output mapping `{}` (only `$.`, the whole response, is implemented)",
                m.value
            ),
        );
    }
    OutputMapping::Whole
}

fn is_whole(mapping: &str) -> bool {
    matches!(mapping.trim(), "$." | "$")
}

/// The `outputParameters` of an exposed operation or tool: none, or one `{type: object, mapping: $.}`, is the whole
/// response as sent; one output parameter that shapes the answer is compiled into a [`Shape`].
pub(super) fn exposed_output(
    list: &Option<Field<List<model::MappedOutputParameter>>>,
    d: &mut Diagnostics,
) -> OutputMapping {
    let outs = items(list);
    if outs.len() > 1 {
        d.unsupported(
            model::pos_of(&outs[1]),
            "several output parameters (one output parameter, which may be an object of `properties`, is implemented)",
        );
    }
    let Some(o) = outs.first() else {
        return OutputMapping::Whole;
    };
    let o_pos = model::pos_of(o);
    let o = &o.value;
    let passthrough = o.properties.is_none()
        && o.items.is_none()
        && o.r#const.is_none()
        && o.value.is_none()
        && o.mapping.as_ref().is_none_or(|m| is_whole(&m.value))
        && o.r#type
            .as_ref()
            .is_some_and(|t| t.value == "object" || t.value == "array");
    if passthrough {
        report_extra(o, d);
        unsupported(
            &o.name,
            "named output parameters (mock and orchestrated outputs)",
            d,
        );
        return OutputMapping::Whole;
    }
    match shape(o, o_pos, "output parameter", d) {
        Some(s) => OutputMapping::Shaped(s),
        None => OutputMapping::Whole,
    }
}

const ITEMS: &str = "output `items`";

/// One output parameter (`what` names it in diagnostics: `output parameter`, `output property `x``, `output items`).
fn shape(
    o: &model::MappedOutputParameter,
    o_pos: Pos,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Shape> {
    report_extra(o, d);
    // A named output is a mock or orchestrated one: nothing else of it is read.
    if let Some(n) = &o.name {
        d.unsupported(
            n.key_pos,
            "named output parameters (mock and orchestrated outputs)",
        );
        return None;
    }
    let t = req(&o.r#type, "type", what, o_pos, d)?;
    let Some(ty) = ShapeType::parse(&t.value) else {
        d.error(
            Code::InvalidValue,
            t.pos,
            format!(
                "{what} has type `{}`; expected one of: string, number, integer, boolean, object, array",
                t.value
            ),
        );
        return None;
    };
    let mut ok = true;
    if let Some(p) = &o.properties
        && ty != ShapeType::Object
    {
        d.error(
            Code::InvalidValue,
            p.key_pos,
            format!(
                "`properties` belong to an output of type `object`, not `{}`",
                ty.as_str()
            ),
        );
        ok = false;
    }
    if let Some(i) = &o.items
        && ty != ShapeType::Array
    {
        d.error(
            Code::InvalidValue,
            i.key_pos,
            format!(
                "`items` belong to an output of type `array`, not `{}`",
                ty.as_str()
            ),
        );
        ok = false;
    }
    let path = match &o.mapping {
        Some(m) => {
            let p = compile_path(&m.value, m.pos, d);
            ok &= p.is_some();
            p
        }
        None => None,
    };
    if let Some(p) = &path
        && p.contains(&PathStep::Each)
        && ty != ShapeType::Array
    {
        d.error(
            Code::InvalidValue,
            o.mapping.as_ref().map_or(o_pos, |m| m.pos),
            format!(
                "the mapping `{}` matches a list (`[*]`): its output must be of type `array`, not `{}`",
                o.mapping.as_ref().map_or("", |m| m.value.as_str()),
                ty.as_str()
            ),
        );
        ok = false;
    }
    let constant = constant(o, ty, d);
    let properties = match &o.properties {
        Some(p) if ty == ShapeType::Object => {
            let mut props: Vec<(String, Shape)> = Vec::new();
            for (k, v) in &p.value.entries {
                let pwhat = format!("output property `{}`", k.value);
                match shape(&v.value, model::pos_of(v), &pwhat, d) {
                    Some(s) => props.push((k.value.clone(), s)),
                    None => ok = false,
                }
            }
            Some(props)
        }
        _ => None,
    };
    let item = match &o.items {
        Some(i) if ty == ShapeType::Array => match &i.value {
            model::Items::One(one) => match shape(one, i.pos, ITEMS, d) {
                Some(s) => Some(Box::new(s)),
                None => {
                    ok = false;
                    None
                }
            },
            model::Items::List => {
                d.unsupported(
                    i.key_pos,
                    "`items` as named output parameters (the outputs of orchestrated steps)",
                );
                ok = false;
                None
            }
        },
        _ => None,
    };
    let source = match (constant, path) {
        (Some(Some(c)), _) => ShapeSource::Const(c),
        (Some(None), _) => return None,
        (None, Some(p)) => ShapeSource::Path(p),
        // An object of properties, an array of items, or an array's `items`, without a mapping shapes the current
        // value (for `items`: each element).
        (None, None) if properties.is_some() || item.is_some() || what == ITEMS => {
            ShapeSource::Path(Vec::new())
        }
        // The mapping is in error (reported).
        (None, None) if o.mapping.is_some() => return None,
        (None, None) => {
            d.error(
                Code::MissingField,
                o_pos,
                format!(
                    "{what} of type `{}` needs a `mapping` or a `value`",
                    ty.as_str()
                ),
            );
            return None;
        }
    };
    ok.then_some(Shape {
        ty,
        source,
        properties,
        items: item,
    })
}

/// The output's `value` (a static value, which takes precedence over `mapping`) or else its `const`, as JSON: none
/// when it has neither, `Some(None)` when the one it has is in error (reported).
fn constant(
    o: &model::MappedOutputParameter,
    ty: ShapeType,
    d: &mut Diagnostics,
) -> Option<Option<serde_json::Value>> {
    use serde_json::Value;
    if let Some(v) = &o.value {
        let text = match &v.value {
            Scalar::Null => {
                d.error(
                    Code::InvalidValue,
                    v.pos,
                    "an output `value` cannot be null",
                );
                return Some(None);
            }
            s => s.as_text().unwrap_or_default().to_owned(),
        };
        if text.contains("{{") {
            d.unsupported(v.pos, "Mustache templates in an output `value`");
            return Some(None);
        }
        let value = match ty {
            ShapeType::String => Some(Value::String(text.clone())),
            ShapeType::Number | ShapeType::Integer => {
                serde_json::from_str::<serde_json::Number>(&text)
                    .ok()
                    .filter(|n| ty == ShapeType::Number || n.is_i64() || n.is_u64())
                    .map(Value::Number)
            }
            ShapeType::Boolean => match text.as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            ShapeType::Object | ShapeType::Array => {
                d.unsupported(
                    v.pos,
                    format!(
                        "an output `value` of type `{}` (give a `const`)",
                        ty.as_str()
                    ),
                );
                return Some(None);
            }
        };
        return Some(match value {
            Some(v) => Some(v),
            None => {
                d.error(
                    Code::InvalidValue,
                    v.pos,
                    format!(
                        "the output `value` `{text}` is not of type `{}`",
                        ty.as_str()
                    ),
                );
                None
            }
        });
    }
    let c = o.r#const.as_ref()?;
    let fits = match (ty, &c.value) {
        (ShapeType::String, Value::String(_))
        | (ShapeType::Number, Value::Number(_))
        | (ShapeType::Boolean, Value::Bool(_))
        | (ShapeType::Object, Value::Object(_))
        | (ShapeType::Array, Value::Array(_)) => true,
        (ShapeType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        _ => false,
    };
    if !fits {
        d.error(
            Code::InvalidValue,
            c.pos,
            format!(
                "the output `const` {} is not of type `{}`",
                c.value,
                ty.as_str()
            ),
        );
        return Some(None);
    }
    Some(Some(c.value.clone()))
}

/// Compiles a JSONPath `mapping` of the forms this compiler evaluates: `$` or `$.` (the current value), then
/// `.name`, `['name']`, `[n]`, `[*]` and `.*`. Filters, recursive descent, slices, unions, negative indexes and
/// functions are reported, not supported yet.
pub(super) fn compile_path(mapping: &str, pos: Pos, d: &mut Diagnostics) -> Option<Vec<PathStep>> {
    match parse_path(mapping.trim()) {
        Ok(steps) => Some(steps),
        Err(PathError::Unsupported(what)) => {
            d.unsupported(pos, format!("{what} in the output mapping `{mapping}`"));
            None
        }
        Err(PathError::Malformed(why)) => {
            d.error(
                Code::InvalidValue,
                pos,
                format!("the output mapping `{mapping}` is not a JSONPath: {why}"),
            );
            None
        }
    }
}

#[derive(Debug, PartialEq)]
enum PathError {
    Unsupported(&'static str),
    Malformed(&'static str),
}

fn parse_path(p: &str) -> Result<Vec<PathStep>, PathError> {
    use PathError::{Malformed, Unsupported};
    let Some(mut rest) = p.strip_prefix('$') else {
        return Err(Malformed("it must start with `$`"));
    };
    if rest == "." {
        return Ok(Vec::new());
    }
    if rest.contains("..") {
        return Err(Unsupported("recursive descent `..`"));
    }
    if rest.contains("[?") {
        return Err(Unsupported("filters `[?()]`"));
    }
    if rest.contains('(') {
        return Err(Unsupported("functions and script expressions"));
    }
    let mut steps = Vec::new();
    while let Some(c) = rest.chars().next() {
        match c {
            '.' => {
                rest = &rest[1..];
                if let Some(r) = rest.strip_prefix('*') {
                    steps.push(PathStep::Each);
                    rest = r;
                    continue;
                }
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                let name = &rest[..end];
                if name.is_empty() {
                    return Err(Malformed("a `.` names no member"));
                }
                if name.contains([']', '\'', '"', ' ', '@', ',', ':']) {
                    return Err(Malformed("a member name has characters that need `['…']`"));
                }
                steps.push(PathStep::Key(name.to_owned()));
                rest = &rest[end..];
            }
            '[' => {
                let (inner, after) = bracket(&rest[1..])?;
                rest = after;
                steps.push(selector(inner)?);
            }
            _ => return Err(Malformed("expected `.` or `[`")),
        }
    }
    Ok(steps)
}

/// The text inside `[…]` and what follows the `]`; a quoted name may hold `]`.
fn bracket(s: &str) -> Result<(&str, &str), PathError> {
    let close = match s.chars().next() {
        Some(q @ ('\'' | '"')) => s[1..]
            .find(q)
            .map(|i| i + 2)
            .filter(|&i| s[i..].starts_with(']')),
        _ => s.find(']'),
    };
    match close {
        Some(i) => Ok((&s[..i], &s[i + 1..])),
        None => Err(PathError::Malformed("a `[` is not closed")),
    }
}

fn selector(inner: &str) -> Result<PathStep, PathError> {
    use PathError::{Malformed, Unsupported};
    let inner = inner.trim();
    if inner == "*" {
        return Ok(PathStep::Each);
    }
    for q in ['\'', '"'] {
        if let Some(name) = inner.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            if name.contains(q) {
                return Err(Unsupported("unions `['a','b']`"));
            }
            return Ok(PathStep::Key(name.to_owned()));
        }
    }
    if inner.contains(':') {
        return Err(Unsupported("array slices `[a:b]`"));
    }
    if inner.contains(',') {
        return Err(Unsupported("unions `[a,b]`"));
    }
    if inner.starts_with('-') {
        return Err(Unsupported("negative indexes `[-n]`"));
    }
    if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
        return inner
            .parse()
            .map(PathStep::Index)
            .map_err(|_| Malformed("an index is too large"));
    }
    Err(Malformed("expected `[n]`, `[*]` or `['name']`"))
}

#[cfg(test)]
mod tests {
    use super::PathError::{Malformed, Unsupported};
    use super::*;

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.into())
    }

    #[test]
    fn paths_compile_to_steps() {
        assert_eq!(parse_path("$."), Ok(vec![]));
        assert_eq!(parse_path("$"), Ok(vec![]));
        assert_eq!(parse_path("$.a.b"), Ok(vec![key("a"), key("b")]));
        assert_eq!(
            parse_path("$.properties.Name.title[0].text.content"),
            Ok(vec![
                key("properties"),
                key("Name"),
                key("title"),
                PathStep::Index(0),
                key("text"),
                key("content")
            ])
        );
        assert_eq!(
            parse_path("$.items[*].x"),
            Ok(vec![key("items"), PathStep::Each, key("x")])
        );
        assert_eq!(parse_path("$.a.*"), Ok(vec![key("a"), PathStep::Each]));
        assert_eq!(parse_path("$[0]"), Ok(vec![PathStep::Index(0)]));
        assert_eq!(
            parse_path("$['a b']['c.d'][\"e]\"]"),
            Ok(vec![key("a b"), key("c.d"), key("e]")])
        );
        assert_eq!(parse_path("$.crew-ids"), Ok(vec![key("crew-ids")]));
    }

    #[test]
    fn other_jsonpath_forms_are_not_supported_yet_or_malformed() {
        assert_eq!(
            parse_path("$..name"),
            Err(Unsupported("recursive descent `..`"))
        );
        assert_eq!(
            parse_path("$.a[?(@.x > 1)]"),
            Err(Unsupported("filters `[?()]`"))
        );
        assert_eq!(
            parse_path("$.a.length()"),
            Err(Unsupported("functions and script expressions"))
        );
        assert_eq!(
            parse_path("$.a[0:2]"),
            Err(Unsupported("array slices `[a:b]`"))
        );
        assert_eq!(parse_path("$.a[0,1]"), Err(Unsupported("unions `[a,b]`")));
        assert_eq!(
            parse_path("$.a[-1]"),
            Err(Unsupported("negative indexes `[-n]`"))
        );
        assert!(matches!(parse_path("a.b"), Err(Malformed(_))));
        assert!(matches!(parse_path("$.a."), Err(Malformed(_))));
        assert!(matches!(parse_path("$.a[0"), Err(Malformed(_))));
        assert!(matches!(parse_path("$.a[x]"), Err(Malformed(_))));
        assert!(matches!(parse_path("$a"), Err(Malformed(_))));
    }
}
