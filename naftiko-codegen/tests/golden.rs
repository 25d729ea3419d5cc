//! Golden tests: each fixture under `tests/fixtures/NAME/` generates exactly the committed `expected/` files. The
//! expected files are also compiled (crate `naftiko-golden`), so a golden file that does not build fails the suite.
//! The Ikanos twins of fixtures (`tests/ikanos/NAME.yaml`) generate exactly their fixture's files too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// The files generated for `spec` differ from the golden files of the fixture `name`: the stale ones.
fn stale(spec: &Path, name: &str) -> Vec<PathBuf> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    // The fixture's own name, so that a twin's output is comparable byte for byte.
    let display = format!("naftiko-codegen/tests/fixtures/{name}/spec.yaml");
    let renames = naftiko_codegen::Renames::read_beside(&fixture.join("spec.yaml"))
        .unwrap_or_else(|e| panic!("the renames of {display}: {e}"));
    let out = naftiko_codegen::Config::new(spec)
        .display_name(&display)
        .generated_by("`cargo xtask regen`")
        .renames(renames)
        .generate()
        .unwrap_or_else(|e| panic!("{} does not compile:\n{e}", spec.display()));
    naftiko_codegen::stale_files(&fixture.join("expected"), &out.files)
}

#[test]
fn fixtures_generate_their_golden_files() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let dir = entry.unwrap().path();
        let spec = dir.join("spec.yaml");
        if !spec.is_file() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let stale = stale(&spec, &name);
        assert!(
            stale.is_empty(),
            "golden files of `{name}` differ from what the compiler generates: {stale:?}; \
             review the change and run `cargo xtask regen`"
        );
        checked += 1;
    }
    assert!(
        checked >= 2,
        "expected at least two fixtures, found {checked}"
    );
}

#[test]
fn ikanos_twins_generate_the_golden_files_of_their_fixtures() {
    let twins = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ikanos");
    let mut checked = 0;
    for entry in std::fs::read_dir(&twins).unwrap() {
        let spec = entry.unwrap().path();
        let Some(name) = spec.file_stem().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let stale = stale(&spec, &name);
        assert!(
            stale.is_empty(),
            "the Ikanos twin of `{name}` generates other files than the fixture: {stale:?}"
        );
        checked += 1;
    }
    assert!(
        checked >= 2,
        "expected at least two Ikanos twins, found {checked}"
    );
}
