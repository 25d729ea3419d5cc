//! What only one of the two formats has: the version key that tells them apart, and the keys Ikanos 1.0.0-beta4 adds
//! to objects both formats share — `from`-style imports and the features not implemented yet, each reported where
//! it stands. (Ikanos' keyed maps and its `display` are read by the model itself; see `parse::format`.)

use super::Resolver;
use super::fields::{req, unsupported};
use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::parse::Format;
use crate::parse::model::{self, Any, Field, SpecObject};

/// Checks the document's version key; returns the format the document is in.
pub(super) fn version(doc: &model::Document, d: &mut Diagnostics) -> Format {
    version_at(doc, Pos::new(1, 1), d)
}

/// [`version`] of a document whose start is `root` (an imported document's, in its own file).
pub(super) fn version_at(doc: &model::Document, root: Pos, d: &mut Diagnostics) -> Format {
    let (format, key) = match &doc.ikanos {
        Some(_) => (Format::Ikanos, &doc.ikanos),
        None => (Format::Naftiko, &doc.naftiko),
    };
    let what = model::Document::WHAT;
    match req(key, format.version_key(), what, root, d) {
        Some(v) if v.value != format.version() => d.error(
            Code::Version,
            v.pos,
            format!(
                "unsupported format version `{}`: this compiler reads `{}`",
                v.value,
                format.declaration()
            ),
        ),
        _ => {}
    }
    for (f, key) in [(&doc.exposes, "exposes"), (&doc.aggregates, "aggregates")] {
        unsupported(
            f,
            &format!("file-scope `{key}` (declare them under `capability.{key}`)"),
            d,
        );
    }
    format
}

/// The field that names an object for people: Naftiko's `label` or Ikanos' `display` (an object has only the one of
/// its document's format).
pub(super) fn label<'a>(
    label: &'a Option<Field<String>>,
    display: &'a Option<Field<String>>,
) -> &'a Option<Field<String>> {
    match label {
        Some(_) => label,
        None => display,
    }
}

/// An Ikanos import entry (`from`, `import`, `as`) in place of a `what`: reported as not supported yet, at its
/// `from`. Returns whether the entry is one.
fn import_entry(from: &Option<Field<Any>>, what: &str, d: &mut Diagnostics) -> bool {
    match from {
        Some(f) => {
            d.unsupported(f.key_pos, format!("imported {what} (`from`/`import`)"));
            true
        }
        None => false,
    }
}

impl Resolver<'_> {
    /// The Ikanos keys of a consumed API. (An import entry, `from`, is read as alpha2's `location`.)
    pub(super) fn ikanos_consumes(&mut self, c: &model::ConsumesHttp) {
        unsupported(&c.tunnel, "`tunnel` (reverse-tunnel transport)", self.d);
    }

    /// The Ikanos keys of a binding; returns whether it is an import entry rather than a binding.
    pub(super) fn ikanos_binding(&mut self, b: &model::Binding) -> bool {
        import_entry(&b.from, "binds", self.d)
    }

    /// The Ikanos keys of an exposure; returns whether it is an import entry rather than an exposure.
    pub(super) fn ikanos_exposure(&mut self, e: &model::Exposure) -> bool {
        unsupported(
            &e.max_binary_size,
            "`maxBinarySize` (binary responses)",
            self.d,
        );
        unsupported(&e.ttl_ms, "`ttlMs` (MCP caching hints)", self.d);
        unsupported(&e.cache_scope, "`cacheScope` (MCP caching hints)", self.d);
        import_entry(&e.from, "exposes", self.d)
    }

    /// The Ikanos keys of a consumed operation.
    pub(super) fn ikanos_consumed_operation(&mut self, o: &model::ConsumedOperation) {
        unsupported(
            &o.max_binary_size,
            "`maxBinarySize` (binary responses)",
            self.d,
        );
        unsupported(&o.output_media_type, "`outputMediaType`", self.d);
    }

    /// The Ikanos keys of an exposed REST operation.
    pub(super) fn ikanos_exposed_operation(&mut self, o: &model::ExposedOperation) {
        unsupported(&o.responses, "`responses` (response contracts)", self.d);
        unsupported(
            &o.response_binary,
            "`responseBinary` (binary responses)",
            self.d,
        );
    }
}
