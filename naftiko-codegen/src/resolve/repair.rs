//! The dialect repair of `with:`. The spec generator this dialect comes from sometimes loses the indentation of a
//! `with:` entry whose key is also a key of the operation, writing
//!
//! ```yaml
//! with:
//! name: rest.name
//! ```
//!
//! which YAML reads as an empty `with:` and a second `name:`. When `with:` is empty and a repeated key's value is a
//! binding expression (`rest.X`, `tools.X`, `<namespace>.X`, `{{VAR}}`), the entry is read as belonging to `with:`,
//! with a warning.

use super::Resolver;
use super::binds::bound_var;
use super::call::{CallSite, WithEntry};
use crate::diagnostic::Code;
use crate::names;
use crate::parse::model::{self, Entries, ExtraKey, Field, Scalar, SpecObject};

impl Resolver<'_> {
    /// The `with:` entries of an exposed operation or tool, the repaired ones included. Returns the entries and the
    /// extra keys left to report.
    pub(super) fn with_entries<'a, T: SpecObject>(
        &mut self,
        obj: &'a T,
        with: &'a Option<Field<Entries<Scalar>>>,
        site: &CallSite,
    ) -> (Vec<WithEntry>, Vec<&'a ExtraKey>) {
        let mut entries: Vec<WithEntry> = with
            .iter()
            .flat_map(|w| w.value.entries.iter())
            .map(|(k, v)| WithEntry {
                key: k.value.clone(),
                key_pos: model::pos_of(k),
                value: v.value.clone(),
                value_pos: model::pos_of(v),
            })
            .collect();
        let empty_with = with.as_ref().filter(|w| w.value.was_null);
        let mut left = Vec::new();
        for e in obj.extra() {
            let repair = match (empty_with, &e.scalar) {
                (Some(w), Some(s)) if e.duplicate && e.pos > w.key_pos => match &s.value {
                    Scalar::Str(v) if is_binding_expr(v, site) => Some(s),
                    _ => None,
                },
                _ => None,
            };
            let Some(s) = repair else {
                left.push(e);
                continue;
            };
            let v = s.value.as_text().unwrap_or_default();
            self.d.warning(
                Code::Dialect,
                e.pos,
                format!(
                    "`{}: {v}` after an empty `with:` is read as `with: {{{}: {v}}}`",
                    e.name, e.name
                ),
            );
            entries.push(WithEntry {
                key: e.name.clone(),
                key_pos: e.pos,
                value: s.value.clone(),
                value_pos: model::pos_of(s),
            });
        }
        (entries, left)
    }
}

fn is_binding_expr(v: &str, site: &CallSite) -> bool {
    bound_var(v).is_some()
        || v.split_once('.')
            .is_some_and(|(p, x)| site.names_inputs(p) && names::is_param_name(x))
}
