//! Reading the fields of any spec object: required fields, unknown and repeated keys, features not implemented yet,
//! free text, and the small values every part of the format shares (ports, methods, parameter types).

use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{Method, ParamType};
use crate::parse::model::{ExtraKey, Field, List, SpecObject};

/// Reports unknown and repeated keys of an object. Repeated keys that a dialect repair consumes are filtered out by
/// the caller before this runs (see `super::repair`).
pub(super) fn report_extra<T: SpecObject>(obj: &T, d: &mut Diagnostics) {
    report_extra_keys(obj, obj.extra().iter(), d);
}

pub(super) fn report_extra_keys<'a, T: SpecObject>(
    obj: &T,
    extra: impl Iterator<Item = &'a ExtraKey>,
    d: &mut Diagnostics,
) {
    for e in extra {
        if e.duplicate {
            let first = obj
                .key_pos(&e.name)
                .map(|p| format!(" (first given at {p})"))
                .unwrap_or_default();
            d.error(
                Code::DuplicateName,
                e.pos,
                format!("`{}` is given twice in this {}{first}", e.name, T::WHAT),
            );
        } else {
            d.error(
                Code::UnknownField,
                e.pos,
                format!(
                    "unknown field `{}` in {}; expected one of: {}",
                    e.name,
                    T::WHAT,
                    T::keys_in(e.format).join(", ")
                ),
            );
        }
    }
}

/// Keys an object does not have, each a warning: for parts that only describe (`info`), where a key a later version of
/// the format adds (`version`) must not stop a build. A key given twice is still an error.
pub(super) fn warn_extra<T: SpecObject>(obj: &T, d: &mut Diagnostics) {
    let (twice, unknown): (Vec<&ExtraKey>, Vec<&ExtraKey>) =
        obj.extra().iter().partition(|e| e.duplicate);
    report_extra_keys(obj, twice.into_iter(), d);
    for e in unknown {
        d.warning(
            Code::UnknownField,
            e.pos,
            format!(
                "unknown field `{}` in {} is ignored; it has: {}",
                e.name,
                T::WHAT,
                T::keys_in(e.format).join(", ")
            ),
        );
    }
}

/// A required field: reports its absence at `at` (the position of the object that lacks it).
pub(super) fn req<'a, T>(
    f: &'a Option<Field<T>>,
    key: &str,
    what: &str,
    at: Pos,
    d: &mut Diagnostics,
) -> Option<&'a Field<T>> {
    if f.is_none() {
        d.error(
            Code::MissingField,
            at,
            format!("missing required field `{key}` in {what}"),
        );
    }
    f.as_ref()
}

pub(super) fn text(f: &Option<Field<String>>) -> Option<String> {
    f.as_ref()
        .map(|f| clean_text(&f.value))
        .filter(|s| !s.is_empty())
}

/// Free text (labels, descriptions) as the emitters may use it: line breaks normalised to `\n` (a lone `\r` is not
/// allowed in a Rust doc comment), other control characters dropped, surrounding white space trimmed.
pub(super) fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Reports a field that is part of the format but not implemented yet.
pub(super) fn unsupported<T>(f: &Option<Field<T>>, feature: &str, d: &mut Diagnostics) {
    if let Some(f) = f {
        d.unsupported(f.key_pos, feature);
    }
}

/// Reports a field that the format has in general but not in this variant (`tools` on a REST exposure, say).
pub(super) fn not_here<T>(f: &Option<Field<T>>, key: &str, here: &str, d: &mut Diagnostics) {
    if let Some(f) = f {
        d.error(
            Code::UnknownField,
            f.key_pos,
            format!("`{key}` is not a field of {here}"),
        );
    }
}

pub(super) fn items<T>(f: &Option<Field<List<T>>>) -> &[serde_saphyr::Spanned<T>] {
    f.as_ref().map(|f| f.value.0.as_slice()).unwrap_or(&[])
}

pub(super) fn port(f: &Field<u32>, d: &mut Diagnostics) -> Option<u16> {
    match u16::try_from(f.value) {
        Ok(p) if p > 0 => Some(p),
        _ => {
            d.error(
                Code::InvalidValue,
                f.pos,
                format!("port {} is out of range 1..=65535", f.value),
            );
            None
        }
    }
}

pub(super) fn method(f: &Option<Field<String>>, d: &mut Diagnostics) -> Option<Method> {
    match f {
        // The format's default.
        None => Some(Method::Get),
        Some(f) => {
            let m = Method::parse(&f.value);
            if m.is_none() {
                d.error(
                    Code::InvalidValue,
                    f.pos,
                    format!(
                        "method `{}` is not one of GET, POST, PUT, PATCH, DELETE",
                        f.value
                    ),
                );
            }
            m
        }
    }
}

pub(super) fn param_type(f: &Option<Field<String>>, d: &mut Diagnostics) -> Option<ParamType> {
    match f {
        // This spec dialect's default for untyped parameters.
        None => Some(ParamType::String),
        Some(f) => {
            let t = ParamType::parse(&f.value);
            if t.is_none() {
                d.error(
                    Code::InvalidValue,
                    f.pos,
                    format!(
                        "type `{}` is not one of string, integer, number, boolean, object, array",
                        f.value
                    ),
                );
            }
            t
        }
    }
}
