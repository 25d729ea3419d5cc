//! The rename table: Rust names chosen without touching the spec.
//!
//! A rename `FROM = TO` makes the naming pass derive an entity's Rust identifiers from `TO` instead of its spec name,
//! as if the spec had said `TO` — for Rust names only: MCP tool names, server names, REST paths, query keys and
//! documentation keep the spec's. `FROM` is a stable key of the spec:
//!
//! | key | entity | identifiers |
//! | --- | --- | --- |
//! | `NS` | consumed API `NS` | client type, `Clients` field, constants |
//! | `NS.OP` | consumed operation `OP` of `NS` | client method, query struct |
//! | `NS.OP.PARAM` | parameter `PARAM` of `NS.OP` | method argument or query struct field, and the inputs exposures add for it |
//! | `{{VAR}}` | bound variable `VAR` | `Bindings` field |
//! | `NS` | REST or MCP exposure `NS` | module, router, server type, constants |
//! | `NS.NAME` | REST operation `NAME` or MCP tool `NAME` of exposure `NS` | handler or tool function, path struct |
//! | `NS.NAME.INPUT` | input `INPUT` of `NS.NAME` | path struct field, local variable |
//!
//! A key names every entity so written (a consumed API and an exposure with the same namespace are both renamed).
//! A key that names nothing, and a `TO` that is not a name (`^[A-Za-z][A-Za-z0-9_-]*$`), are diagnostics; a rename
//! that makes two identifiers clash is reported like any other clash.
//!
//! In a file (`cargo xtask regen` reads `SPEC.renames` next to `SPEC.yaml`, and the CLI takes `--renames FILE`), one
//! rename per line, `FROM = TO`; `#` starts a comment; blank lines are skipped.

use std::path::{Path, PathBuf};

use crate::Error;

/// One rename and where it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub from: String,
    pub to: String,
    /// Where it was given, for diagnostics: `FILE:LINE`, `--rename`, `Config::rename`.
    pub origin: String,
}

/// A rename table. A later rename of the same key replaces an earlier one (`--rename` after `--renames FILE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    entries: Vec<Rename>,
    /// The files the table was read from, in order.
    files: Vec<PathBuf>,
}

impl Renames {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rename, replacing any earlier one of the same key.
    pub fn insert(
        &mut self,
        from: impl Into<String>,
        to: impl Into<String>,
        origin: impl Into<String>,
    ) {
        let rename = Rename {
            from: from.into(),
            to: to.into(),
            origin: origin.into(),
        };
        match self.entries.iter_mut().find(|r| r.from == rename.from) {
            Some(earlier) => *earlier = rename,
            None => self.entries.push(rename),
        }
    }

    /// Adds every rename of `other`, after this table's.
    pub fn extend(&mut self, other: Renames) {
        for r in other.entries {
            self.insert(r.from, r.to, r.origin);
        }
        for f in other.files {
            if !self.files.contains(&f) {
                self.files.push(f);
            }
        }
    }

    /// The files the table was read from ([`Renames::read`]): what a build script's output depends on besides the
    /// spec.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rename> {
        self.entries.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The index of the rename of `key`.
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|r| r.from == key)
    }

    pub(crate) fn get(&self, i: usize) -> Option<&Rename> {
        self.entries.get(i)
    }

    /// Reads one `FROM=TO` (as `--rename` takes it): both sides trimmed, neither empty.
    pub fn parse_entry(text: &str) -> Result<(String, String), String> {
        let Some((from, to)) = text.split_once('=') else {
            return Err(format!("`{text}` is not a rename: write `FROM=TO`"));
        };
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err(format!(
                "`{text}` is not a rename: both `FROM` and `TO` are needed"
            ));
        }
        Ok((from.to_owned(), to.to_owned()))
    }

    /// Reads a rename file's text; `file` names it in origins and errors. Every line is `FROM = TO`, blank, or a
    /// `#` comment; a key given twice is an error.
    pub fn parse(text: &str, file: &str) -> Result<Renames, String> {
        let mut table = Renames::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            match Renames::parse_entry(line) {
                Ok((from, to)) => match table.position(&from).and_then(|i| table.get(i)) {
                    Some(first) => errors.push(format!(
                        "{file}:{line_no}: `{from}` is renamed twice (first at {})",
                        first.origin
                    )),
                    None => table.insert(from, to, format!("{file}:{line_no}")),
                },
                Err(e) => errors.push(format!("{file}:{line_no}: {e}")),
            }
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors.join("\n"))
        }
    }

    /// Reads a rename file.
    pub fn read(path: &Path) -> Result<Renames, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let file = path.display().to_string().replace('\\', "/");
        let mut table = Renames::parse(&text, &file).map_err(Error::Renames)?;
        table.files.push(path.to_owned());
        Ok(table)
    }

    /// The rename file of a spec: `SPEC.renames` next to `SPEC.yaml` (`spec/logto.naftiko.renames` for
    /// `spec/logto.naftiko.yaml`).
    pub fn beside(spec: &Path) -> PathBuf {
        spec.with_extension("renames")
    }

    /// The renames of a spec's rename file, or none when it has no such file (what `cargo xtask regen` uses).
    pub fn read_beside(spec: &Path) -> Result<Renames, Error> {
        let path = Renames::beside(spec);
        if path.is_file() {
            Renames::read(&path)
        } else {
            Ok(Renames::new())
        }
    }
}

/// What a rename's `TO` may be: a name the identifiers can be derived from without dropping a character.
pub(crate) fn is_rename_target(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_file_is_read_line_by_line() {
        let table = Renames::parse(
            "# Rust names\n\nshop = store  # the client is `StoreClient`\n{{TOKEN}}=api_token\n",
            "x.renames",
        )
        .unwrap();
        let entries: Vec<(&str, &str, &str)> = table
            .iter()
            .map(|r| (r.from.as_str(), r.to.as_str(), r.origin.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                ("shop", "store", "x.renames:3"),
                ("{{TOKEN}}", "api_token", "x.renames:4")
            ]
        );
    }

    #[test]
    fn malformed_lines_and_repeated_keys_are_errors_with_their_line() {
        let e = Renames::parse("shop\na = b\na = c\n= d\n", "x.renames").unwrap_err();
        assert_eq!(
            e,
            "x.renames:1: `shop` is not a rename: write `FROM=TO`\n\
             x.renames:3: `a` is renamed twice (first at x.renames:2)\n\
             x.renames:4: `= d` is not a rename: both `FROM` and `TO` are needed"
        );
    }

    #[test]
    fn a_later_rename_replaces_an_earlier_one() {
        let mut table = Renames::new();
        table.insert("shop", "store", "file:1");
        table.insert("shop", "market", "--rename");
        assert_eq!(table.len(), 1);
        assert_eq!(table.get(0).unwrap().to, "market");
    }

    #[test]
    fn targets_are_names() {
        assert!(is_rename_target("list-items"));
        assert!(is_rename_target("Store_2"));
        assert!(!is_rename_target("2fa"));
        assert!(!is_rename_target("a b"));
        assert!(!is_rename_target("a*"));
        assert!(!is_rename_target(""));
    }

    #[test]
    fn a_table_read_from_a_file_names_it() {
        let dir = std::env::temp_dir().join(format!("naftiko-renames-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("s.yaml");
        assert!(Renames::read_beside(&spec).unwrap().files().is_empty());
        std::fs::write(dir.join("s.renames"), "a = b\n").unwrap();
        let mut table = Renames::new();
        table.extend(Renames::read_beside(&spec).unwrap());
        table.extend(Renames::read_beside(&spec).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(table.files(), [dir.join("s.renames")]);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn the_rename_file_sits_beside_the_spec() {
        assert_eq!(
            Renames::beside(Path::new("spec/logto.naftiko.yaml")),
            Path::new("spec/logto.naftiko.renames")
        );
    }
}
