//! Bound values: `capability.binds[]` declares the variables that `{{VAR}}` names anywhere in the spec.

use super::Resolver;
use super::fields::{report_extra, req, unsupported};
use crate::diagnostic::{Code, Pos};
use crate::ir::BoundKey;
use crate::names;
use crate::parse::model;

/// `{{VAR}}` → `Some(VAR)`.
pub(super) fn bound_var(s: &str) -> Option<&str> {
    s.trim()
        .strip_prefix("{{")
        .and_then(|s| s.strip_suffix("}}"))
        .map(str::trim)
}

impl Resolver<'_> {
    /// One `binds[]` entry: each of its keys becomes a [`BoundKey`].
    pub(super) fn binding(&mut self, b: &model::Binding, at: Pos) {
        report_extra(b, self.d);
        let ns = req(&b.namespace, "namespace", "binding", at, self.d);
        unsupported(
            &b.location,
            "binding `location` (external value providers; without it, values come from the environment)",
            self.d,
        );
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
            });
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
