//! Outputs: how a consumed operation's response becomes what an exposure returns (the whole response, `$.`).

use super::fields::{items, report_extra, req, unsupported};
use crate::diagnostic::Diagnostics;
use crate::ir::OutputMapping;
use crate::parse::model::{self, Field, List};

/// `$.` or absent: the whole response. Anything else is a JSONPath the compiler does not evaluate yet.
pub(super) fn output_mapping(
    mapping: Option<&Field<String>>,
    d: &mut Diagnostics,
) -> OutputMapping {
    if let Some(m) = mapping
        && m.value.trim() != "$."
        && m.value.trim() != "$"
    {
        d.unsupported(
            m.pos,
            format!(
                "output mapping `{}` (only `$.`, the whole response, is implemented)",
                m.value
            ),
        );
    }
    OutputMapping::Whole
}

/// The `outputParameters` of an exposed operation or tool: one `{type: object, mapping: $.}` at most.
pub(super) fn exposed_output(
    list: &Option<Field<List<model::MappedOutputParameter>>>,
    d: &mut Diagnostics,
) -> OutputMapping {
    let outs = items(list);
    if outs.len() > 1 {
        d.unsupported(
            model::pos_of(&outs[1]),
            "several output parameters (one `{type: object, mapping: $.}` is implemented)",
        );
    }
    for o in outs {
        let o_pos = model::pos_of(o);
        let o = &o.value;
        report_extra(o, d);
        if let Some(t) = req(&o.r#type, "type", "output parameter", o_pos, d)
            && t.value != "object"
        {
            d.unsupported(
                t.pos,
                format!(
                    "output parameter of type `{}` (only `object` is implemented)",
                    t.value
                ),
            );
        }
        unsupported(&o.r#const, "output `const`", d);
        unsupported(&o.value, "output `value` (static outputs)", d);
        unsupported(&o.properties, "output `properties` (shaped outputs)", d);
        unsupported(&o.items, "output `items` (shaped outputs)", d);
        unsupported(&o.name, "named output parameters", d);
        output_mapping(o.mapping.as_ref(), d);
    }
    OutputMapping::Whole
}
