//! Project tasks: `cargo xtask regen [--check]`.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// One spec and the directory its generated files live in.
#[derive(Debug, Clone)]
pub struct Target {
    /// The spec, relative to the workspace root (also how the preamble names it).
    pub spec: String,
    /// The output directory, relative to the workspace root.
    pub out: String,
}

/// The gateway's spec, and every golden fixture of the compiler (`naftiko-codegen/tests/fixtures/NAME/spec.yaml` →
/// `…/NAME/expected/`). Fixtures whose spec is meant to fail (`…/errors/`) are not targets.
pub fn targets(root: &Path) -> Vec<Target> {
    let mut targets = vec![Target {
        spec: "spec/logto.naftiko.yaml".into(),
        out: "logto-gateway/src/generated".into(),
    }];
    let fixtures = root.join("naftiko-codegen/tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("spec.yaml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for n in names {
        targets.push(Target {
            spec: format!("naftiko-codegen/tests/fixtures/{n}/spec.yaml"),
            out: format!("naftiko-codegen/tests/fixtures/{n}/expected"),
        });
    }
    targets
}

/// What `regen` found or did for one target.
#[derive(Debug)]
pub struct Outcome {
    pub target: Target,
    /// Files written (regen) or found stale (check).
    pub files: Vec<PathBuf>,
    /// Warnings of the spec, rendered.
    pub rendered: String,
}

/// Generates every target; with `check`, writes nothing and reports stale files instead.
pub fn regen(root: &Path, check: bool) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    for t in targets(root) {
        let config = naftiko_codegen::Config::new(root.join(&t.spec)).display_name(&t.spec);
        let out = config.generate().map_err(|e| e.to_string())?;
        let dir = root.join(&t.out);
        let files = if check {
            naftiko_codegen::stale_files(&dir, &out.files)
        } else {
            let written =
                naftiko_codegen::write_files(&dir, &out.files).map_err(|e| e.to_string())?;
            for stale in naftiko_codegen::stale_files(&dir, &out.files) {
                std::fs::remove_file(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
            }
            written
        };
        outcomes.push(Outcome {
            target: t,
            files: files
                .into_iter()
                .map(|p| p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p))
                .collect(),
            rendered: out.rendered,
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    /// A plain `cargo test` fails when a generated file no longer matches its spec and the compiler.
    #[test]
    fn generated_files_are_fresh() {
        let root = super::root();
        let outcomes = super::regen(&root, true).expect("every target generates");
        let stale: Vec<String> = outcomes
            .iter()
            .flat_map(|o| o.files.iter().map(|f| f.display().to_string()))
            .collect();
        assert!(
            stale.is_empty(),
            "generated files are stale: {}\nrun `cargo xtask regen`",
            stale.join(", ")
        );
    }
}
