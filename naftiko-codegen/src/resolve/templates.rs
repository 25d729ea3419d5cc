//! Templates: consumed and exposed paths (`/items/{id}`, `{{id}}` too) and base URIs (`https://[tenant].example`),
//! split at their placeholders.

use std::collections::BTreeSet;

use crate::diagnostic::{Code, Diagnostics};
use crate::ir::{BaseUri, PathTemplate, TemplatePart};
use crate::names;
use crate::parse::model::Field;

/// Splits a template at its placeholders. `open`/`close` are the placeholder delimiters (`{`/`}` for paths, where
/// `{{x}}` is accepted too; `[`/`]` for base URIs).
fn split_template(template: &str, open: char, close: char) -> Result<Vec<TemplatePart>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find(open) {
        if start > 0 {
            parts.push(TemplatePart::Literal(rest[..start].to_owned()));
        }
        let after = &rest[start + open.len_utf8()..];
        let double = open == '{' && after.starts_with('{');
        let inner_start = if double { &after[1..] } else { after };
        let Some(end) = inner_start.find(close) else {
            return Err(format!("unclosed `{open}` in `{template}`"));
        };
        let name = &inner_start[..end];
        let mut tail = &inner_start[end + close.len_utf8()..];
        if double {
            match tail.strip_prefix('}') {
                Some(t) => tail = t,
                None => {
                    return Err(format!(
                        "`{{{{{name}}}` is not closed by `}}}}` in `{template}`"
                    ));
                }
            }
        }
        if !names::is_param_name(name) {
            return Err(format!(
                "placeholder `{open}{name}{close}` in `{template}` is not a parameter name (letters, digits, `_`, `-`)"
            ));
        }
        parts.push(TemplatePart::Param(name.to_owned()));
        rest = tail;
    }
    if rest.contains(close) {
        return Err(format!("unmatched `{close}` in `{template}`"));
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Literal(rest.to_owned()));
    }
    Ok(parts)
}

/// A consumed or exposed path: starts with `/`, no query, fragment or white space, each placeholder once.
pub(super) fn path_template(f: &Field<String>, d: &mut Diagnostics) -> Option<PathTemplate> {
    if !f.value.starts_with('/') {
        d.error(
            Code::InvalidValue,
            f.pos,
            format!("path `{}` must start with `/`", f.value),
        );
        return None;
    }
    if f.value.contains(['?', '#']) || f.value.chars().any(char::is_whitespace) {
        d.error(
            Code::InvalidValue,
            f.pos,
            format!(
                "path `{}` must not contain a query, a fragment or white space",
                f.value
            ),
        );
        return None;
    }
    match split_template(&f.value, '{', '}') {
        Ok(parts) => {
            let mut seen = BTreeSet::new();
            for p in &parts {
                if let TemplatePart::Param(n) = p
                    && !seen.insert(n.as_str())
                {
                    d.error(
                        Code::DuplicateName,
                        f.pos,
                        format!("path parameter `{n}` appears twice in `{}`", f.value),
                    );
                }
            }
            Some(PathTemplate {
                template: f.value.clone(),
                parts,
            })
        }
        Err(e) => {
            d.error(Code::InvalidValue, f.pos, e);
            None
        }
    }
}

/// A consumed API's `baseUri`: `http(s)`, no path parameters, query or fragment; a trailing `/` is dropped.
pub(super) fn base_uri(b: &Field<String>, d: &mut Diagnostics) -> Option<BaseUri> {
    if b.value.trim().is_empty() {
        d.error(
            Code::InvalidValue,
            b.pos,
            "baseUri is empty: give the API's `https://` or `http://` URL",
        );
        return None;
    }
    if !(b.value.starts_with("https://") || b.value.starts_with("http://")) {
        d.error(
            Code::InvalidValue,
            b.pos,
            format!(
                "baseUri `{}` must start with `https://` or `http://`",
                b.value
            ),
        );
        return None;
    }
    if b.value.contains(['{', '}', '?', '#']) {
        d.error(
            Code::InvalidValue,
            b.pos,
            format!(
                "baseUri `{}` must not contain path parameters, a query or a fragment",
                b.value
            ),
        );
        return None;
    }
    let template = b.value.trim_end_matches('/');
    match split_template(template, '[', ']') {
        Ok(parts) => Some(BaseUri {
            template: template.to_owned(),
            parts,
        }),
        Err(e) => {
            d.error(Code::InvalidValue, b.pos, e);
            None
        }
    }
}
