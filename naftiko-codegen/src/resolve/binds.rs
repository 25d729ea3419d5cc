//! Bound values: `capability.binds[]` declares the variables that `{{VAR}}` names anywhere in the spec.

use super::Resolver;
use super::fields::{report_extra, req};
use crate::diagnostic::{Code, Pos};
use crate::ir::BoundKey;
use crate::names;
use crate::parse::model;

/// What a Mustache reference names ([`Resolver::reference`]).
pub(super) enum Reference<'a> {
    /// A bound variable: resolve it with [`Resolver::bound_ref`].
    Bound,
    /// The input of that name.
    Input(&'a str),
}

/// `{{VAR}}` → `Some(VAR)`.
pub(super) fn bound_var(s: &str) -> Option<&str> {
    s.trim()
        .strip_prefix("{{")
        .and_then(|s| s.strip_suffix("}}"))
        .map(str::trim)
}

/// The path of a `file://` URI, what follows `file://`: `/./x` and `/../x` are the relative `./x` and `../x`, any other
/// path is as written (`/etc/x.yaml`).
pub(super) fn file_uri_path(path: &str) -> &str {
    match path.strip_prefix('/') {
        Some(rest) if rest.starts_with("./") || rest.starts_with("../") => rest,
        _ => path,
    }
}

impl Resolver<'_> {
    /// One `binds[]` entry: each of its keys becomes a [`BoundKey`].
    pub(super) fn binding(&mut self, b: &model::Binding, at: Pos) {
        report_extra(b, self.d);
        if self.ikanos_binding(b) {
            return;
        }
        let ns = req(&b.namespace, "namespace", "binding", at, self.d);
        let location = b.location.as_ref().and_then(|l| self.location(l));
        let Some(keys) = req(&b.keys, "keys", "binding", at, self.d) else {
            return;
        };
        for (var, key) in &keys.value.entries {
            let var_pos = model::pos_of(var);
            if !names::is_binding_var(&var.value) {
                self.d.error(
                    Code::InvalidValue,
                    var_pos,
                    format!(
                        "bound variable `{}` must be SCREAMING_SNAKE_CASE (`^[A-Z][A-Z0-9_]*$`)",
                        var.value
                    ),
                );
                continue;
            }
            let Some(k) = key.value.as_text().filter(|k| !k.is_empty()) else {
                self.d.error(
                    Code::InvalidValue,
                    model::pos_of(key),
                    format!("bound variable `{}` needs the key to read", var.value),
                );
                continue;
            };
            if self.binds.iter().any(|b| b.var == var.value) {
                self.d.error(
                    Code::DuplicateName,
                    var_pos,
                    format!("bound variable `{}` is declared twice", var.value),
                );
                continue;
            }
            self.binds.push(BoundKey {
                var: var.value.clone(),
                namespace: ns.map(|n| n.value.clone()).unwrap_or_default(),
                key: k.to_owned(),
                pos: var_pos,
                field: String::new(),
                location: location.clone(),
            });
        }
    }

    /// The bound variable `{{VAR}}` or `{{NAMESPACE.VAR}}` names (`inner` is what is between the braces), reported
    /// when no `binds` entry declares it. `{{env.VAR}}` with no entry declaring `VAR` reads `VAR` from the process
    /// environment, as a `binds` entry of namespace `env` would.
    pub(super) fn bound_ref(&mut self, inner: &str, pos: Pos) -> String {
        let Some((ns, var)) = inner.split_once('.') else {
            self.check_bound(inner, pos);
            return inner.to_owned();
        };
        let declared = self.binds.iter().find(|b| b.var == var);
        match declared {
            Some(b) if b.namespace == ns => {}
            Some(b) => self.d.error(
                Code::UnknownBinding,
                pos,
                format!(
                    "`{{{{{inner}}}}}`: `{var}` is bound in namespace `{}`, not `{ns}`",
                    b.namespace
                ),
            ),
            None if ns == "env" && names::is_binding_var(var) => self.binds.push(BoundKey {
                var: var.to_owned(),
                namespace: "env".to_owned(),
                key: var.to_owned(),
                pos,
                field: String::new(),
                location: None,
            }),
            None => self.check_bound(inner, pos),
        }
        var.to_owned()
    }

    /// A binding's `location`: a `file://` URI, whose path (`file:///./shared/secrets.yaml` → `./shared/secrets.yaml`,
    /// relative to the working directory of the program; `file:///etc/x.yaml` → `/etc/x.yaml`) is read when the
    /// program starts. Other providers (`vault://`, `k8s-secret://`…) are not supported yet.
    fn location(&mut self, l: &model::Field<String>) -> Option<String> {
        let Some(path) = l.value.strip_prefix("file://") else {
            let scheme = l
                .value
                .split_once("://")
                .map_or(l.value.as_str(), |(s, _)| s);
            self.d.unsupported(
                l.pos,
                format!("binding `location` `{scheme}://` (only `file://` is read)"),
            );
            return None;
        };
        let path = file_uri_path(path);
        if path.is_empty() || path.ends_with('/') {
            self.d.error(
                Code::InvalidValue,
                l.pos,
                format!("binding `location` `{}` names no file", l.value),
            );
            return None;
        }
        Some(path.to_owned())
    }

    /// What the Mustache reference `inner` (what is between the braces) names: a bound variable (`VAR` declared in
    /// `binds`, `env.VAR`, `NAMESPACE.VAR` of a `binds` namespace), or else an input (`name`, `tools.name`,
    /// `rest.name`: the last segment).
    pub(super) fn reference<'a>(&self, inner: &'a str) -> Reference<'a> {
        let (prefix, name) = match inner.rsplit_once('.') {
            Some((p, n)) => (Some(p), n),
            None => (None, inner),
        };
        let bound = match prefix {
            Some(p) => p == "env" || self.binds.iter().any(|b| b.namespace == p),
            None => self.binds.iter().any(|b| b.var == name),
        };
        match bound {
            true => Reference::Bound,
            false => Reference::Input(name),
        }
    }

    /// Reports a `{{VAR}}` that no `binds` entry declares.
    pub(super) fn check_bound(&mut self, var: &str, pos: Pos) {
        if !self.binds.iter().any(|b| b.var == var) {
            let known: Vec<&str> = self.binds.iter().map(|b| b.var.as_str()).collect();
            self.d.error(
                Code::UnknownBinding,
                pos,
                format!(
                    "`{{{{{var}}}}}` is not bound: no `binds` entry declares `{var}` (bound: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
    }
}
