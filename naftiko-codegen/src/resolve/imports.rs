//! Imported consumed APIs: a `capability.consumes[]` entry with `location` and `import` (and optionally `as`) stands
//! for a consumed API of another document's root-level `consumes`, read when the spec is compiled. Positions in an
//! imported document are in its own file (`Pos::file`), and the diagnostics found there note where it was imported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::Resolver;
use super::binds::file_uri_path;
use super::fields::{items, report_extra, req, text, warn_extra};
use crate::diagnostic::{Code, Note, Pos, Source, normalize};
use crate::ir::ConsumedApi;
use crate::parse::model::{self, Any, Document, Field, SpecObject};
use crate::parse::{in_file, parse_file};

/// The documents imported so far, and the imports being resolved.
pub(super) struct Imports {
    /// The spec's path (empty when the spec is given as text: its imports are then relative to the working
    /// directory).
    spec: PathBuf,
    /// Each file read or tried, by its path (joined and normalised).
    loaded: BTreeMap<PathBuf, Loaded>,
    /// The imports being resolved, innermost last: the file each reads and the namespace it imports.
    stack: Vec<(u32, String)>,
}

enum Loaded {
    /// Read and parsed: its `Pos::file` and its document.
    Document(u32, Rc<Document>),
    /// Not readable, with why.
    Unreadable(String),
    /// Not a document (its parse error is reported once, in its file).
    Malformed,
}

impl Imports {
    pub(super) fn new(spec: &Path) -> Self {
        Imports {
            spec: spec.to_owned(),
            loaded: BTreeMap::new(),
            stack: Vec::new(),
        }
    }
}

/// The fields of a consumed API that an import takes from the imported file.
const DEFINED_BY_THE_IMPORTED_FILE: [&str; 6] = [
    "namespace",
    "type",
    "baseUri",
    "inputParameters",
    "authentication",
    "resources",
];

/// The folder of a file (empty for a bare file name).
fn folder(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

/// The path a `location` names: a path, or the path of a `file://` URI (see `file_uri_path`). `None` for a URI of
/// another scheme.
fn location_path(location: &str) -> Option<&str> {
    match location.strip_prefix("file://") {
        Some(path) => Some(file_uri_path(path)),
        None if location.contains("://") => None,
        None => Some(location),
    }
}

/// A scalar field as text (`import: 42` is `42`).
fn scalar_text(f: &Field<Any>) -> Option<Field<String>> {
    match &f.value {
        Any::Scalar(s) => s.as_text().map(|t| Field {
            key_pos: f.key_pos,
            pos: f.pos,
            value: t.to_owned(),
        }),
        Any::Seq | Any::Map => None,
    }
}

/// The namespace an entry of a `consumes` list declares: its `namespace`, or, imported, its `as` or its `import`.
fn declared_namespace(c: &model::ConsumesHttp) -> Option<String> {
    if c.location.is_some() || c.from.is_some() || c.import.is_some() {
        let name = c.r#as.as_ref().or(c.import.as_ref())?;
        return scalar_text(name).map(|f| f.value);
    }
    c.namespace.as_ref().map(|n| n.value.clone())
}

impl Resolver<'_> {
    /// An imported consumed API (`location`, `import`, `as`, `description`): the API of namespace `import` in the
    /// root-level `consumes` of the document at `location`, resolved there, called `as` (or `import`) here.
    pub(super) fn imported(&mut self, c: &model::ConsumesHttp, at: Pos) -> Option<ConsumedApi> {
        for key in DEFINED_BY_THE_IMPORTED_FILE {
            if let Some(pos) = c.key_pos(key) {
                self.d.error(
                    Code::UnknownField,
                    pos,
                    format!(
                        "`{key}` is not a field of an imported consumed API (the imported file defines the API)"
                    ),
                );
            }
        }
        let what = "imported consumed API";
        // Ikanos names the file `from`, Naftiko `location`.
        let (location, key) = match (&c.location, &c.from) {
            (None, Some(_)) => (&c.from, "from"),
            _ => (&c.location, "location"),
        };
        let location = req(location, key, what, at, self.d);
        let location = location.and_then(|f| self.import_text(f, key));
        let import = req(&c.import, "import", what, at, self.d);
        let import = import.and_then(|f| self.import_text(f, "import"));
        let alias = c.r#as.as_ref().and_then(|f| self.import_text(f, "as"));
        for name in [&import, &alias].into_iter().flatten() {
            self.check_namespace(name);
        }
        let (location, import) = (location?, import?);
        let since = self.d.len();
        let api = self.imported_api(&location, &import);
        self.d.note_since(
            since,
            at.file,
            &Note {
                pos: location.pos,
                message: format!(
                    "in the consumed API `{}` imported from `{}` here",
                    import.value, location.value
                ),
            },
        );
        let mut api = api?;
        let name = alias.unwrap_or(import);
        api.namespace = name.value;
        api.namespace_pos = name.pos;
        if let Some(description) = text(&c.description) {
            api.description = Some(description);
        }
        Some(api)
    }

    /// A text field of an import.
    fn import_text(&mut self, f: &Field<Any>, key: &str) -> Option<Field<String>> {
        let text = scalar_text(f).filter(|t| !t.value.is_empty());
        if text.is_none() {
            self.d.error(
                Code::InvalidValue,
                f.pos,
                format!("`{key}` of an imported consumed API is a non-empty string"),
            );
        }
        text
    }

    /// The consumed API `import` of the document at `location`, resolved in its file.
    fn imported_api(
        &mut self,
        location: &Field<String>,
        import: &Field<String>,
    ) -> Option<ConsumedApi> {
        let (file, doc) = self.load(location)?;
        let name = self.file_name(file);
        let Some(entry) = items(&doc.consumes)
            .iter()
            .find(|c| declared_namespace(&c.value).as_deref() == Some(import.value.as_str()))
        else {
            let declared: Vec<String> = items(&doc.consumes)
                .iter()
                .filter_map(|c| declared_namespace(&c.value))
                .map(|n| format!("`{n}`"))
                .collect();
            let hint = match (declared.is_empty(), doc.capability.is_some()) {
                (true, true) => {
                    " (it is a capability; an import reads a document's root-level `consumes`)"
                        .to_owned()
                }
                (true, false) => " (it has no root-level `consumes`)".to_owned(),
                (false, _) => format!(" (it declares {})", declared.join(", ")),
            };
            self.d.error(
                Code::Import,
                import.pos,
                format!(
                    "`import: {}`: `{name}` declares no consumed API `{}` at its root{hint}",
                    import.value, import.value
                ),
            );
            return None;
        };
        let here = (file, import.value.clone());
        if let Some(start) = self.imports.stack.iter().position(|s| *s == here) {
            let chain: Vec<String> = self.imports.stack[start..]
                .iter()
                .chain([&here])
                .map(|(f, ns)| format!("`{ns}` of `{}`", self.file_name(*f)))
                .collect();
            self.d.error(
                Code::Import,
                import.pos,
                format!(
                    "import cycle: the consumed API imports itself ({})",
                    chain.join(" → ")
                ),
            );
            return None;
        }
        self.imports.stack.push(here);
        let api = in_file(file, || self.consumes(&entry.value, model::pos_of(entry)));
        self.imports.stack.pop();
        api
    }

    /// How diagnostics name the file `file`, relative to the spec's folder.
    fn file_name(&self, file: u32) -> String {
        self.d
            .source(file)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| self.imports.spec.display().to_string())
    }

    /// The document at `location`, relative to the file `location` is written in: read, parsed and checked once.
    fn load(&mut self, location: &Field<String>) -> Option<(u32, Rc<Document>)> {
        let Some(relative) = location_path(&location.value) else {
            let scheme = location.value.split_once("://").map_or("", |(s, _)| s);
            self.d.unsupported(
                location.pos,
                format!("import `location` `{scheme}://` (a path or a `file://` URI is read)"),
            );
            return None;
        };
        let (importer_path, importer_name) = match self.d.source(location.pos.file) {
            Some(s) => (s.path.clone(), PathBuf::from(&s.name)),
            None => (self.imports.spec.clone(), PathBuf::new()),
        };
        let path = normalize(&folder(&importer_path).join(relative));
        match self.imports.loaded.get(&path) {
            Some(Loaded::Document(file, doc)) => return Some((*file, Rc::clone(doc))),
            Some(Loaded::Malformed) => return None,
            Some(Loaded::Unreadable(why)) => {
                let why = why.clone();
                self.d.error(Code::Import, location.pos, why);
                return None;
            }
            None => {}
        }
        let name = normalize(&folder(&importer_name).join(relative))
            .display()
            .to_string()
            .replace('\\', "/");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                let why = format!(
                    "cannot read `{}` (`{}`): {e}",
                    location.value,
                    path.display()
                );
                self.d.error(Code::Import, location.pos, why.clone());
                self.d.add_source(Source {
                    path: path.clone(),
                    name,
                    text: None,
                });
                self.imports.loaded.insert(path, Loaded::Unreadable(why));
                return None;
            }
        };
        let file = self.d.add_source(Source {
            path: path.clone(),
            name,
            text: Some(text),
        });
        let parsed = match self.d.source(file).and_then(|s| s.text.as_deref()) {
            Some(text) => parse_file(text, file),
            None => return None,
        };
        let doc = match parsed {
            Ok(doc) => Rc::new(doc),
            Err(e) => {
                self.d.error(e.code, e.pos, e.message);
                self.imports.loaded.insert(path, Loaded::Malformed);
                return None;
            }
        };
        self.imported_document(&doc, file);
        self.imports
            .loaded
            .insert(path, Loaded::Document(file, Rc::clone(&doc)));
        Some((file, doc))
    }

    /// What an imported document has besides the consumed APIs imported from it: its version, and nothing the
    /// compiler would not read (its `binds`: the importing spec binds the variables of what it imports).
    fn imported_document(&mut self, doc: &Document, file: u32) {
        let root = Pos::new(1, 1).in_file(file);
        report_extra(doc, self.d);
        super::ikanos::version_at(doc, root, self.d);
        if let Some(info) = &doc.info {
            warn_extra(&info.value, self.d);
        }
        if let Some(b) = &doc.binds {
            self.d.unsupported(
                b.key_pos,
                "`binds` in an imported document (the importing spec binds the variables of what it imports)",
            );
        }
    }
}
