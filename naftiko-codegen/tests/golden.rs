//! Golden tests: each fixture under `tests/fixtures/NAME/` generates exactly the committed `expected/` files. The
//! expected files are also compiled (crate `naftiko-golden`), so a golden file that does not build fails the suite.

use std::path::Path;

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
        let display = format!("naftiko-codegen/tests/fixtures/{name}/spec.yaml");
        let renames = naftiko_codegen::Renames::read_beside(&spec)
            .unwrap_or_else(|e| panic!("the renames of {display}: {e}"));
        let out = naftiko_codegen::Config::new(&spec)
            .display_name(&display)
            .generated_by("`cargo xtask regen`")
            .renames(renames)
            .generate()
            .unwrap_or_else(|e| panic!("{display} does not compile:\n{e}"));
        let stale = naftiko_codegen::stale_files(&dir.join("expected"), &out.files);
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
