//! Imported consumed APIs (`location`/`import`/`as`), each rule of "Imports" in the README's "Consumed APIs": the fixture
//! `tests/fixtures/imported/` (a spec and the file it imports from, `shared/apis.yaml`), and small projects written
//! into a scratch folder for the errors, which are reported in the file they are in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use naftiko_codegen::{Code, Compiled, Config, Diagnostic, Pos};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/imported");

/// A scratch folder of its own for the test `name`, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("naftiko-imports-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `files` (path relative to `dir`, text) into `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Compiles the spec `dir/spec.yaml`.
fn compile(dir: &Path) -> Compiled {
    let spec = dir.join("spec.yaml");
    let source = std::fs::read_to_string(&spec).unwrap();
    Config::new(&spec).compile_source(&source).unwrap()
}

/// The position of `needle`, which occurs once in `src`, in the file `file`.
fn pos(src: &str, needle: &str, file: u32) -> Pos {
    assert_eq!(src.matches(needle).count(), 1, "{needle:?} once in {src}");
    let start = src.find(needle).unwrap();
    let before = &src[..start];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    Pos::new(line as u32, col as u32).in_file(file)
}

/// The one error of `c` with `code`.
fn the_error(c: &Compiled, code: Code) -> Diagnostic {
    let errors: Vec<&Diagnostic> = c
        .diagnostics
        .iter_errors()
        .filter(|d| d.code == code)
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "one {code:?} error expected:\n{}",
        c.diagnostics.render("spec.yaml", None)
    );
    errors[0].clone()
}

/// A spec calling `call` with the consumes entries `consumes` (indented as list items of `capability.consumes`).
fn spec(consumes: &str, call: &str) -> String {
    format!(
        "naftiko: 1.0.0-alpha2\nbinds:\n  - namespace: env\n    keys:\n      TOKEN: TOKEN\ncapability:\n  consumes:\n{consumes}  exposes:\n    - type: mcp\n      port: 9090\n      namespace: tools\n      tools:\n        - name: get\n          description: Get.\n          call: {call}\n"
    )
}

/// A document of consumed APIs: `notes` (whose method is `method`, authenticated with `{{token}}`), and `extra`
/// entries after it.
fn shared(method: &str, token: &str, extra: &str) -> String {
    format!(
        "naftiko: 1.0.0-alpha2\nconsumes:\n  - type: http\n    namespace: notes\n    baseUri: https://notes.example\n    authentication:\n      type: bearer\n      token: '{{{{{token}}}}}'\n    resources:\n      - name: notes\n        path: /notes\n        operations:\n          - name: list\n            method: {method}\n{extra}"
    )
}

#[test]
fn an_imported_api_is_resolved_as_if_written_inline_under_its_alias() {
    let c = compile(Path::new(FIXTURE));
    let ir =
        c.ir.unwrap_or_else(|| panic!("{}", c.diagnostics.render("spec.yaml", None)));
    let names: Vec<&str> = ir.apis.iter().map(|a| a.namespace.as_str()).collect();
    assert_eq!(names, ["memo", "tags"]);
    // The import's description replaces the imported one; without one, the imported file's stays.
    assert_eq!(
        ir.apis[0].description.as_deref(),
        Some("The notes service, called `memo` here.")
    );
    assert_eq!(ir.apis[1].description.as_deref(), Some("A tags service."));
    // The namespace is where the spec names it (`as`, or `import`); the operations are where the file declares them.
    let spec = std::fs::read_to_string(Path::new(FIXTURE).join("spec.yaml")).unwrap();
    let apis = std::fs::read_to_string(Path::new(FIXTURE).join("shared/apis.yaml")).unwrap();
    let (alias, import) = (pos(&spec, "as: memo", 0), pos(&spec, "import: tags", 0));
    assert_eq!(
        ir.apis[0].namespace_pos,
        Pos::new(alias.line, alias.col + 4)
    );
    assert_eq!(
        ir.apis[1].namespace_pos,
        Pos::new(import.line, import.col + 8)
    );
    assert_eq!(ir.apis[0].operations[0].pos.file, 1);
    assert_eq!(
        ir.apis[0].operations[0].pos.line,
        pos(&apis, "- name: get-note", 1).line
    );
    // The file is read once though imported twice, by a path and by a `file://` URI.
    let sources = c.diagnostics.sources();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].name, "shared/apis.yaml");
    assert_eq!(sources[0].path, Path::new(FIXTURE).join("shared/apis.yaml"));
}

#[test]
fn an_error_in_an_imported_file_is_at_its_line_and_column_there_and_notes_the_import() {
    let dir = scratch("error-there");
    let spec_text = spec(
        "    - location: shared/apis.yaml\n      import: notes\n",
        "notes.list",
    );
    let apis = shared("FETCH", "TOKEN", "");
    write(
        &dir,
        &[("spec.yaml", &spec_text), ("shared/apis.yaml", &apis)],
    );
    let c = compile(&dir);
    let d = the_error(&c, Code::InvalidValue);
    assert_eq!(d.pos, pos(&apis, "FETCH", 1));
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.notes[0].pos, pos(&spec_text, "shared/apis.yaml", 0));
    let rendered = c.diagnostics.render("api/spec.yaml", Some(&spec_text));
    let line = d.pos.line;
    assert!(
        rendered.contains(&format!(
            "api/shared/apis.yaml:{line}:21: error: method `FETCH` is not one of"
        )),
        "{rendered}"
    );
    assert!(
        rendered.contains("            method: FETCH\n"),
        "{rendered}"
    );
    let at = d.notes[0].pos;
    assert!(
        rendered.contains(&format!(
            "api/spec.yaml:{at}: note: in the consumed API `notes` imported from `shared/apis.yaml` here\n"
        )),
        "{rendered}"
    );
    assert!(
        rendered.contains("    - location: shared/apis.yaml\n"),
        "{rendered}"
    );

    // A `{{VAR}}` in the imported API names a variable the importing spec binds.
    write(&dir, &[("shared/apis.yaml", &shared("GET", "NOPE", ""))]);
    let c = compile(&dir);
    let d = the_error(&c, Code::UnknownBinding);
    assert_eq!(d.pos.file, 1);
    write(&dir, &[("shared/apis.yaml", &shared("GET", "TOKEN", ""))]);
    assert!(compile(&dir).ir.is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_import_that_cannot_be_read_is_an_error_at_its_location() {
    let dir = scratch("unreadable");
    let spec_text = spec(
        "    - location: ./missing.yaml\n      import: notes\n    - location: https://example.com/apis.yaml\n      import: other\n",
        "notes.list",
    );
    write(&dir, &[("spec.yaml", &spec_text)]);
    let c = compile(&dir);
    let d = the_error(&c, Code::Import);
    assert_eq!(d.pos, pos(&spec_text, "./missing.yaml", 0));
    assert!(
        d.message.starts_with("cannot read `./missing.yaml`"),
        "{}",
        d.message
    );
    let d = the_error(&c, Code::Unsupported);
    assert_eq!(d.pos, pos(&spec_text, "https://", 0));

    // A file that is no document is reported in it, at its line.
    write(
        &dir,
        &[("missing.yaml", "naftiko: 1.0.0-alpha2\nconsumes: [\n")],
    );
    let c = compile(&dir);
    let d = the_error(&c, Code::Syntax);
    assert_eq!(d.pos.file, 1);
    assert_eq!(d.notes[0].pos, pos(&spec_text, "./missing.yaml", 0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_import_of_a_namespace_the_file_does_not_declare_is_an_error_at_the_import() {
    let dir = scratch("not-declared");
    let spec_text = spec(
        "    - location: apis.yaml\n      import: notez\n",
        "notez.list",
    );
    write(
        &dir,
        &[
            ("spec.yaml", &spec_text),
            ("apis.yaml", &shared("GET", "TOKEN", "")),
        ],
    );
    let c = compile(&dir);
    let d = the_error(&c, Code::Import);
    assert_eq!(d.pos, pos(&spec_text, "notez\n", 0));
    assert!(
        d.message.contains(
            "`apis.yaml` declares no consumed API `notez` at its root (it declares `notes`)"
        ),
        "{}",
        d.message
    );
    // Other fields of a consumed API are the imported file's to give, and `location` and `import` are required.
    let spec_text = spec(
        "    - location: apis.yaml\n      import: notes\n      baseUri: https://x.example\n    - import: notes\n      as: other\n",
        "notes.list",
    );
    write(&dir, &[("spec.yaml", &spec_text)]);
    let c = compile(&dir);
    assert_eq!(
        the_error(&c, Code::UnknownField).pos,
        pos(&spec_text, "baseUri", 0)
    );
    let d = the_error(&c, Code::MissingField);
    assert!(d.message.contains("`location`"), "{}", d.message);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_import_cycle_is_an_error() {
    let dir = scratch("cycle");
    let spec_text = spec(
        "    - location: a.yaml\n      import: notes\n",
        "notes.list",
    );
    let a = "naftiko: 1.0.0-alpha2\nconsumes:\n  - location: sub/b.yaml\n    import: notes\n";
    let b = "naftiko: 1.0.0-alpha2\nconsumes:\n  - location: ../a.yaml\n    import: notes\n";
    write(
        &dir,
        &[("spec.yaml", &spec_text), ("a.yaml", a), ("sub/b.yaml", b)],
    );
    let c = compile(&dir);
    let d = the_error(&c, Code::Import);
    // Found where the file that closes the cycle imports: `sub/b.yaml`, the second file read.
    assert_eq!(d.pos, pos(b, "notes", 2));
    assert!(
        d.message
            .contains("`notes` of `a.yaml` → `notes` of `sub/b.yaml` → `notes` of `a.yaml`"),
        "{}",
        d.message
    );
    // A chain that ends is followed, each `location` relative to the file it is written in.
    write(&dir, &[("a.yaml", &shared("GET", "TOKEN", ""))]);
    let spec_text = spec(
        "    - location: sub/b.yaml\n      import: notes\n",
        "notes.list",
    );
    let b = "naftiko: 1.0.0-alpha2\nconsumes:\n  - location: ../a.yaml\n    import: notes\n";
    write(&dir, &[("spec.yaml", &spec_text), ("sub/b.yaml", b)]);
    let c = compile(&dir);
    assert!(
        c.ir.is_some(),
        "{}",
        c.diagnostics.render("spec.yaml", None)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_apis_under_one_name_are_an_error_at_the_alias() {
    let dir = scratch("alias-clash");
    let spec_text = spec(
        "    - type: http\n      namespace: memo\n      baseUri: https://memo.example\n    - location: apis.yaml\n      import: notes\n      as: memo\n",
        "memo.list",
    );
    write(
        &dir,
        &[
            ("spec.yaml", &spec_text),
            ("apis.yaml", &shared("GET", "TOKEN", "")),
        ],
    );
    let c = compile(&dir);
    let d = the_error(&c, Code::DuplicateName);
    let at = pos(&spec_text, "as: memo", 0);
    assert_eq!(d.pos, Pos::new(at.line, at.col + 4));
    assert!(
        d.message.contains("`as` imports it under another name"),
        "{}",
        d.message
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_document_of_consumed_apis_alone_is_not_a_spec() {
    let c = naftiko_codegen::compile(&shared("GET", "TOKEN", ""));
    let d = the_error(&c, Code::MissingField);
    assert_eq!(d.pos, Pos::new(2, 1));
    assert!(
        d.message.contains("no `capability` to compile"),
        "{}",
        d.message
    );
}

/// `cargo xtask regen --check` generates each spec again and compares: an imported file is read every time, so a
/// change there makes the checked-in files stale.
#[test]
fn a_change_in_an_imported_file_makes_the_generated_files_stale() {
    let dir = scratch("stale");
    let fixture = Path::new(FIXTURE);
    for f in ["spec.yaml", "shared/apis.yaml"] {
        write(
            &dir,
            &[(f, &std::fs::read_to_string(fixture.join(f)).unwrap())],
        );
    }
    let config = Config::new(dir.join("spec.yaml"))
        .out_dir(dir.join("gen"))
        .build_script(false);
    config.write().unwrap();
    let out = config.generate().unwrap();
    assert!(naftiko_codegen::stale_files(&dir.join("gen"), &out.files).is_empty());
    let apis = std::fs::read_to_string(dir.join("shared/apis.yaml")).unwrap();
    write(
        &dir,
        &[(
            "shared/apis.yaml",
            &apis.replace("https://tags.example", "https://tags.example/v2"),
        )],
    );
    let out = config.generate().unwrap();
    let stale = naftiko_codegen::stale_files(&dir.join("gen"), &out.files);
    assert_eq!(stale, [dir.join("gen/client.rs")]);
    let _ = std::fs::remove_dir_all(&dir);
}
