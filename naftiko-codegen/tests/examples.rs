//! The official Naftiko 1.0.0-alpha2 tutorial, schema examples and test specs, and the Ikanos 1.0.0-beta4 tutorial
//! (`../shared/naftiko-examples/`): what the compiler makes of each standalone spec, compared with
//! `tests/examples.census`, one line per file: `PATH: accepted`, or `PATH: LINE:COL CODE: MESSAGE` of its first error
//! (`PATH: FILE:LINE:COL …` when it is in a file the spec imports).
//! A change of any line fails the test: what is accepted stays accepted, and what is refused is refused as recorded.
//! `NAFTIKO_CENSUS_WRITE=1` rewrites the census after a deliberate change.
//!
//! Files that only hold what others import (`shared/`, a document without `capability`) are not specs of their own.
//! Without `../shared/naftiko-examples` the test says so and passes, unless `CI` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use naftiko_codegen::Config;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn examples_dir() -> Option<PathBuf> {
    let dir = Path::new(MANIFEST_DIR).join("../../shared/naftiko-examples");
    if dir.is_dir() {
        return Some(dir);
    }
    let why = format!("{} is missing", dir.display());
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false") {
        panic!("{why} (required: CI is set)");
    }
    eprintln!("SKIPPED: {why}");
    None
}

fn specs(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "shared") {
                    walk(&p, out);
                }
            } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

fn result(spec: &Path) -> String {
    match Config::new(spec).generate() {
        Ok(_) => "accepted".to_owned(),
        Err(naftiko_codegen::Error::Spec { diagnostics, .. }) => {
            let first = diagnostics
                .iter_errors()
                .min_by_key(|d| d.pos)
                .expect("an error");
            // An error in a file the spec imports is named with that file (relative to the spec's folder).
            let at = match diagnostics.source(first.pos.file) {
                Some(file) => format!("{}:{}", file.name, first.pos),
                None => first.pos.to_string(),
            };
            format!("{at} {:?}: {}", first.code, first.message)
        }
        Err(e) => format!("{e}"),
    }
}

#[test]
fn the_official_examples_are_read_as_the_census_records() {
    let Some(dir) = examples_dir() else { return };
    let census: String = specs(&dir)
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&dir).unwrap().display().to_string();
            format!("{rel}: {}\n", result(p))
        })
        .collect();
    let file = Path::new(MANIFEST_DIR).join("tests/examples.census");
    if std::env::var_os("NAFTIKO_CENSUS_WRITE").is_some() {
        std::fs::write(&file, &census).unwrap();
        return;
    }
    let recorded = std::fs::read_to_string(&file).unwrap_or_default();
    if recorded != census {
        let diff: Vec<String> = census
            .lines()
            .filter(|l| !recorded.lines().any(|r| r == *l))
            .map(|l| format!("now:    {l}"))
            .chain(
                recorded
                    .lines()
                    .filter(|r| !census.lines().any(|l| l == *r))
                    .map(|r| format!("before: {r}")),
            )
            .collect();
        panic!(
            "the examples are read otherwise than recorded (NAFTIKO_CENSUS_WRITE=1 rewrites the census):\n{}",
            diff.join("\n")
        );
    }
    let accepted = census.lines().filter(|l| l.ends_with(": accepted")).count();
    eprintln!(
        "{accepted} of {} example specs accepted",
        census.lines().count()
    );
}
