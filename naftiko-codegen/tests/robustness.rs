//! Robustness: the compiler never panics, whatever the input, and its result is always consistent:
//!
//! * `compile()` returns an IR exactly when there is no error diagnostic;
//! * `Config::generate_from_source` returns files exactly when `compile()` returns an IR, and otherwise a
//!   [`Error::Spec`] carrying at least one error (never an [`Error::Internal`]: that would be an emitter bug);
//! * every generated file parses as a Rust file (`syn::parse_file`);
//! * every diagnostic with a known position points at a line of the input (or the one just past its end), lines
//!   counted as YAML does (`\n`, `\r\n` or a lone `\r`).
//!
//! Inputs are the Logto spec mutated at random (proptest, fixed seed and modest case counts so the file runs in
//! well under a minute in debug builds; set `PROPTEST_CASES` / `PROPTEST_RNG_SEED` to explore further) and a list
//! of hand-picked nasty documents; and, exhaustively, a small spec in the same dialect. Each input goes through
//! `compile()` and `generate_from_source()` under `catch_unwind`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use naftiko_codegen::{Config, Error, compile};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

mod mutations;
use mutations::{
    MINI, Mutation, any_mutation, delete_line, delete_range, duplicate_line, floor_char_boundary,
    insert, join, reindent, replace_scalar, replacements, scalar_value_start, swap_lines, truncate,
};

const SPEC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/logto.naftiko.yaml"
));
const DISPLAY: &str = "spec/logto.naftiko.yaml";

/// Cases per mutation property: each case compiles the (mutated) 2 000-line spec twice, ~0.1 s in a debug build.
const CASES: u32 = 40;

// ---------------------------------------------------------------------------------------------------------------
// The oracle.
// ---------------------------------------------------------------------------------------------------------------

/// The number of lines of `s` as YAML counts them (`\n`, `\r\n` and a lone `\r` each end a line).
fn line_count(s: &str) -> usize {
    let b = s.as_bytes();
    let mut lines = 0;
    let mut i = 0;
    let mut at_line_start = true;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                lines += 1;
                at_line_start = true;
            }
            b'\r' => {
                lines += 1;
                at_line_start = true;
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => at_line_start = false,
        }
        i += 1;
    }
    if !at_line_start {
        lines += 1;
    }
    lines
}

/// A short, printable excerpt of an input for failure messages.
fn preview(s: &str) -> String {
    const MAX: usize = 400;
    if s.len() <= MAX {
        return format!("{s:?}");
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes in all)", &s[..end], s.len())
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// What the compiler made of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Files,
    Errors,
}

/// Runs `compile` and `generate_from_source` on `input` and checks every invariant; returns a description of the
/// first violation.
fn check(input: &str) -> Result<Outcome, String> {
    let compiled = catch_unwind(AssertUnwindSafe(|| compile(input))).map_err(|p| {
        format!(
            "compile() panicked: {}\ninput: {}",
            panic_message(&*p),
            preview(input)
        )
    })?;
    let has_errors = compiled.diagnostics.has_errors();
    if compiled.ir.is_some() == has_errors {
        return Err(format!(
            "compile(): ir.is_some() = {} but has_errors() = {has_errors}\ninput: {}",
            compiled.ir.is_some(),
            preview(input)
        ));
    }
    let max_line = line_count(input) + 1;
    for d in compiled.diagnostics.sorted() {
        if d.pos.is_known() && d.pos.line as usize > max_line {
            return Err(format!(
                "{} at {} is past the end of a {}-line input: {}\ninput: {}",
                d.severity,
                d.pos,
                max_line - 1,
                d.message,
                preview(input)
            ));
        }
    }

    let generated = catch_unwind(AssertUnwindSafe(|| {
        Config::new(DISPLAY)
            .display_name(DISPLAY)
            .generate_from_source(input)
    }))
    .map_err(|p| {
        format!(
            "generate_from_source() panicked: {}\ninput: {}",
            panic_message(&*p),
            preview(input)
        )
    })?;
    match generated {
        Ok(out) => {
            if has_errors {
                return Err(format!(
                    "generate_from_source() produced files though compile() reported errors\ninput: {}",
                    preview(input)
                ));
            }
            if out.diagnostics.has_errors() || out.files.is_empty() {
                return Err(format!(
                    "generate_from_source(): {} files with {} errors\ninput: {}",
                    out.files.len(),
                    out.diagnostics.error_count(),
                    preview(input)
                ));
            }
            for f in &out.files {
                if let Err(e) = parse_rust(&f.contents) {
                    return Err(format!(
                        "generate_from_source(): {} is not valid Rust: {e}\ninput: {}",
                        f.name,
                        preview(input)
                    ));
                }
            }
            Ok(Outcome::Files)
        }
        Err(Error::Spec {
            rendered,
            diagnostics,
        }) => {
            if !has_errors || !diagnostics.has_errors() || rendered.is_empty() {
                return Err(format!(
                    "generate_from_source() failed without an error diagnostic (compile() errors: {}):\n{rendered}\ninput: {}",
                    compiled.diagnostics.error_count(),
                    preview(input)
                ));
            }
            Ok(Outcome::Errors)
        }
        Err(Error::Internal(m)) => Err(format!(
            "generate_from_source(): internal error (emitter bug): {m}\ninput: {}",
            preview(input)
        )),
        Err(e @ (Error::Io { .. } | Error::Config(_) | Error::Renames(_) | Error::OpenApi(_))) => {
            Err(format!(
                "generate_from_source(): unexpected error {e}\ninput: {}",
                preview(input)
            ))
        }
    }
}

/// Parses `contents` as a Rust file, remembering (per thread) what parsed before: the runtime file is the same
/// every time.
fn parse_rust(contents: &str) -> Result<(), syn::Error> {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::hash::{DefaultHasher, Hash, Hasher};
    thread_local! {
        static PARSED: RefCell<HashSet<u64>> = RefCell::new(HashSet::new());
    }
    let mut h = DefaultHasher::new();
    contents.hash(&mut h);
    let h = h.finish();
    if PARSED.with(|p| p.borrow().contains(&h)) {
        return Ok(());
    }
    syn::parse_file(contents)?;
    PARSED.with(|p| p.borrow_mut().insert(h));
    Ok(())
}

fn assert_robust(input: &str) -> Outcome {
    match check(input) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations of the Logto spec (the mutations themselves are in `mutations/`).
// ---------------------------------------------------------------------------------------------------------------

fn config() -> ProptestConfig {
    // `ProptestConfig::default()` reads the `PROPTEST_*` environment variables; keep what they set.
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = CASES;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x006e_6166_7469_6b6f);
    }
    c.failure_persistence = None;
    c.max_shrink_iters = 200;
    c
}

fn check_mutations(ms: &[Mutation]) -> Result<(), TestCaseError> {
    let mut text = SPEC.to_owned();
    for m in ms {
        text = m.apply(&text);
    }
    check(&text).map(|_| ()).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn truncated_spec(m in truncate()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_without_a_line(m in delete_line()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_without_a_range_of_lines(m in delete_range()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_with_a_duplicated_line(m in duplicate_line()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_with_two_lines_swapped(m in swap_lines()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_with_a_line_reindented(m in reindent()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_with_a_scalar_replaced(m in replace_scalar()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_with_inserted_bytes(m in insert()) {
        check_mutations(&[m])?;
    }

    #[test]
    fn spec_with_several_mutations(ms in prop::collection::vec(any_mutation(), 2..=5)) {
        check_mutations(&ms)?;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic sweeps.
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn the_spec_itself_compiles() {
    assert_eq!(assert_robust(SPEC), Outcome::Files);
}

/// Every truncation inside the header (the first 400 bytes), where the document's shape is decided; cheap.
#[test]
fn every_truncation_of_the_header() {
    let header_end = floor_char_boundary(SPEC, 400);
    for at in 0..=header_end {
        if SPEC.is_char_boundary(at) {
            assert_robust(&SPEC[..at]);
        }
    }
}

/// Truncation at the end of a line, every 100 lines, and inside the last lines of the spec.
#[test]
fn truncation_at_line_ends() {
    let mut ends: Vec<usize> = SPEC.match_indices('\n').map(|(i, _)| i).collect();
    let n = ends.len();
    ends = ends
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % 100 == 0 || *k + 3 >= n)
        .map(|(_, e)| e)
        .collect();
    for at in ends {
        assert_robust(&SPEC[..at]);
        assert_robust(&SPEC[..=at]);
    }
}

/// `MINI` (in `mutations/`), a small spec in the Logto spec's dialect, is accepted.
#[test]
fn the_mini_spec_compiles() {
    assert_eq!(assert_robust(MINI), Outcome::Files);
}

/// A few values of other types on every scalar line of the mini spec, and every replacement value on a rotating
/// sixteenth of its scalar lines (an exhaustive sweep takes a minute in a debug build).
#[test]
fn replacements_on_every_scalar_line_of_the_mini_spec() {
    const CORE: &[&str] = &[
        "0",
        "~",
        "[]",
        "{}",
        "''",
        "a: b",
        "'{{X}}'",
        "rest.zzz",
        "'{{'",
        "/{",
        "https://[",
        "self",
    ];
    let ls: Vec<&str> = MINI.lines().collect();
    let replacements = replacements();
    for (i, l) in ls.iter().enumerate() {
        let Some(start) = scalar_value_start(l) else {
            continue;
        };
        let chosen = replacements
            .iter()
            .enumerate()
            .filter(|(k, _)| (i + k) % 16 == 0)
            .map(|(_, r)| r.as_str());
        for r in CORE.iter().copied().chain(chosen) {
            let mut copy: Vec<String> = ls.iter().map(|l| (*l).to_owned()).collect();
            copy[i].replace_range(start.., r);
            assert_robust(&join(&copy));
        }
    }
}

/// Every replacement value on the texts that become doc comments: the label and the first operation's and
/// parameter's descriptions.
#[test]
fn every_replacement_on_the_doc_texts_of_the_mini_spec() {
    let ls: Vec<&str> = MINI.lines().collect();
    let targets = [
        "  label: Mini",
        "              description: Get applications",
        "                  description: Page number (starts from 1).",
    ];
    for t in targets {
        let i = ls
            .iter()
            .position(|l| *l == t)
            .unwrap_or_else(|| panic!("no line {t:?}"));
        let start = scalar_value_start(ls[i]).unwrap();
        for r in replacements() {
            let mut copy: Vec<String> = ls.iter().map(|l| (*l).to_owned()).collect();
            copy[i].replace_range(start.., &r);
            assert_robust(&join(&copy));
        }
    }
}

/// Every line of the mini spec deleted, duplicated, and re-indented by -2, +2 and to column 0.
#[test]
fn every_line_edit_of_the_mini_spec() {
    let ls: Vec<&str> = MINI.lines().collect();
    for i in 0..ls.len() {
        let mut deleted: Vec<&str> = ls.clone();
        deleted.remove(i);
        assert_robust(&join(&deleted));
        let mut dup: Vec<&str> = ls.clone();
        dup.insert(i, ls[i]);
        assert_robust(&join(&dup));
        let indent = ls[i].len() - ls[i].trim_start().len();
        for new in [0, indent.saturating_sub(2), indent + 2] {
            let mut re: Vec<String> = ls.iter().map(|l| (*l).to_owned()).collect();
            re[i] = format!("{}{}", " ".repeat(new), ls[i].trim_start());
            assert_robust(&join(&re));
        }
    }
}

/// Truncations of the mini spec: at every third byte, and around every line break.
#[test]
fn truncations_of_the_mini_spec() {
    assert!(MINI.is_ascii());
    for at in 0..=MINI.len() {
        let at_break = MINI[at..].starts_with('\n') || MINI[..at].ends_with('\n');
        if at % 3 == 0 || at_break {
            assert_robust(&MINI[..at]);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-picked nasty inputs.
// ---------------------------------------------------------------------------------------------------------------

/// A billion-laughs document: nine levels of nine aliases each.
fn alias_bomb() -> String {
    let mut s = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        s.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    s
}

fn nasty_inputs() -> Vec<(&'static str, String)> {
    let bomb = alias_bomb();
    let deep_seq = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_map = format!("{}1{}", "{a: ".repeat(10_000), "}".repeat(10_000));
    let deep_block: String = (0..1000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    let deep_list: String = (0..1000).map(|i| format!("{}-\n", " ".repeat(i))).collect();
    let header = "naftiko: 1.0.0-alpha2\ninfo:\n  label: x\n";
    vec![
        ("empty", String::new()),
        ("document marker only", "---".into()),
        ("document start and end", "---\n...\n".into()),
        ("two empty documents", "---\n---\n".into()),
        ("null", "~".into()),
        ("empty sequence", "[]".into()),
        ("empty mapping", "{}".into()),
        ("a number", "42".into()),
        ("a string", "\"naftiko\"".into()),
        ("only whitespace", " \n\n   \n".into()),
        ("only a comment", "# nothing here\n".into()),
        ("only the version", "naftiko: 1.0.0-alpha2\n".into()),
        ("header only", header.into()),
        ("empty capability", format!("{header}capability:\n")),
        ("capability is a list", format!("{header}capability: []\n")),
        (
            "empty capability mapping",
            format!("{header}capability: {{}}\n"),
        ),
        (
            "empty consumes and exposes",
            format!("{header}capability:\n  consumes: []\n  exposes: []\n"),
        ),
        ("alias bomb", bomb.clone()),
        (
            "alias bomb under a spec field",
            format!(
                "{bomb}naftiko: 1.0.0-alpha2\ninfo:\n  label: x\n  tags: *i\ncapability: {{}}\n"
            ),
        ),
        (
            "alias bomb as capability",
            format!("{bomb}{header}capability: *i\n"),
        ),
        ("recursive alias", "a: &a [*a]\n".into()),
        (
            "recursive alias as capability",
            format!("{header}capability: &c {{consumes: *c}}\n"),
        ),
        ("undefined alias", format!("{header}capability: *nope\n")),
        (
            "merge key",
            format!("{header}base: &b {{label: y}}\ncapability:\n  <<: *b\n"),
        ),
        ("deep flow sequence", deep_seq.clone()),
        ("deep flow mapping", deep_map),
        ("deep block mapping", deep_block),
        ("deep block sequence", deep_list),
        (
            "deep sequence as label",
            format!("naftiko: 1.0.0-alpha2\ninfo:\n  label: {deep_seq}\n"),
        ),
        (
            "deep sequence as capability",
            format!("{header}capability: {deep_seq}\n"),
        ),
        ("2 MiB single line", "x".repeat(2 << 20)),
        ("2 MiB single key", format!("{}: 1\n", "k".repeat(2 << 20))),
        (
            "2 MiB label",
            SPEC.replacen(
                "label: Logto API references",
                &format!("label: {}", "x".repeat(2 << 20)),
                1,
            ),
        ),
        (
            "20 kB tool name",
            SPEC.replacen(
                "- name: listapplications\n          description",
                &format!("- name: {}\n          description", "x".repeat(20_000)),
                1,
            ),
        ),
        (
            "1 kB unknown call",
            SPEC.replacen(
                "call: logto.listapplications",
                &format!("call: logto.{}", "x".repeat(1_000)),
                1,
            ),
        ),
        ("a NUL byte", "\0".into()),
        ("NUL bytes", "\0\0\0\0".into()),
        (
            "NUL in the spec",
            SPEC.replacen("Logto API references", "Logto\0API", 1),
        ),
        (
            "escaped NUL in the label",
            SPEC.replacen(
                "label: Logto API references",
                "label: \"Logto\\0API\\u0000\"",
                1,
            ),
        ),
        (
            "escaped NUL in a path",
            SPEC.replacen(
                "path: /api/applications/{id}\n",
                "path: \"/api/\\0/{id}\"\n",
                1,
            ),
        ),
        (
            "comment terminators in the label",
            SPEC.replacen(
                "label: Logto API references",
                "label: \"*/ /* Logto\\n*/\"",
                1,
            ),
        ),
        ("a tab", "\t".into()),
        (
            "tab-indented spec line",
            SPEC.replacen("  label:", "\tlabel:", 1),
        ),
        ("tab after a colon", SPEC.replacen("label: ", "label:\t", 1)),
        ("tabs everywhere", SPEC.replace("  ", "\t")),
        ("BOM only", "\u{feff}".into()),
        ("BOM then the spec", format!("\u{feff}{SPEC}")),
        (
            "BOM inside the spec",
            SPEC.replacen("capability:", "\u{feff}capability:", 1),
        ),
        ("CRLF line ends", SPEC.replace('\n', "\r\n")),
        ("CR line ends", SPEC.replace('\n', "\r")),
        ("mixed line ends", SPEC.replacen('\n', "\r", 100)),
        ("no final newline", SPEC.trim_end().to_owned()),
        ("two copies of the spec", format!("{SPEC}---\n{SPEC}")),
        ("spec twice in one document", format!("{SPEC}{SPEC}")),
        ("the spec as a flow scalar", format!("{SPEC:?}")),
        (
            "unicode line separators",
            SPEC.replacen('\n', "\u{2028}", 50),
        ),
        ("NEL line ends", SPEC.replacen('\n', "\u{85}", 50)),
        (
            "right-to-left override in a name",
            SPEC.replacen("namespace: logto\n", "namespace: \"lo\\u202egto\"\n", 1),
        ),
        (
            "huge port",
            SPEC.replacen("port: 8080", "port: 99999999999999999999999999", 1),
        ),
        (
            "negative port",
            SPEC.replacen("port: 8080", "port: -8080", 1),
        ),
        ("float port", SPEC.replacen("port: 8080", "port: 8080.5", 1)),
        (
            "binary tag",
            SPEC.replacen("port: 8080", "port: !!binary aGk=", 1),
        ),
        (
            "custom tag",
            SPEC.replacen("label: Logto", "label: !custom Logto", 1),
        ),
        (
            "complex key",
            format!("{header}? [a, b]\n: c\ncapability: {{}}\n"),
        ),
        ("directive", format!("%YAML 1.2\n---\n{SPEC}")),
        ("bad directive", format!("%YAML 9.9\n---\n{SPEC}")),
        (
            "unterminated quote",
            SPEC.replacen("label: Logto", "label: 'Logto", 1),
        ),
        (
            "unterminated flow",
            SPEC.replacen("label: Logto", "label: [Logto", 1),
        ),
    ]
}

/// Inputs whose generated files are not valid Rust (see `bare_cr_in_doc_text_gives_valid_rust`).
fn bare_cr_inputs() -> Vec<(&'static str, String)> {
    vec![
        (
            "escaped CR in the label (minimal)",
            "naftiko: 1.0.0-alpha2\ninfo:\n  label: \"a\\rb\"\ncapability:\n  consumes: []\n  exposes: []\n".into(),
        ),
        (
            "escaped CR in the Logto label",
            SPEC.replacen("label: Logto API references", "label: \"Logto\\rAPI\"", 1),
        ),
        (
            "escaped CR in an operation description",
            SPEC.replacen(
                "description: Get applications\n",
                "description: \"Get\\rapplications\"\n",
                1,
            ),
        ),
    ]
}

/// Inputs that are too slow for a debug-build test (see `slow_nasty_inputs_never_panic`).
fn slow_inputs() -> Vec<(&'static str, String)> {
    vec![(
        "2 MiB unknown call",
        SPEC.replacen(
            "call: logto.listapplications",
            &format!("call: logto.{}", "x".repeat(2 << 20)),
            1,
        ),
    )]
}

fn run_nasty(inputs: Vec<(&'static str, String)>) {
    let mut failures = Vec::new();
    for (name, input) in inputs {
        let start = Instant::now();
        let outcome = check(&input);
        let took = start.elapsed();
        if std::env::var_os("SHOW_OUTCOMES").is_some() {
            eprintln!("{name}: {:?} in {took:?}", outcome);
        }
        if took > Duration::from_secs(2) {
            eprintln!("note: nasty input `{name}` took {took:?}");
        }
        if let Err(e) = outcome {
            failures.push(format!("`{name}`: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn nasty_inputs_never_panic() {
    run_nasty(nasty_inputs());
}

/// A carriage return not followed by a line feed (only possible through a `\r` escape in a double-quoted YAML
/// string: a raw CR is a line break) in the label or in a description is copied into a `//!`/`///` doc comment,
/// where rustc rejects it ("bare CR not allowed in doc-comment"): `generate_from_source` succeeds and the CLI exits 0,
/// but the files do not compile.
#[test]

fn bare_cr_in_doc_text_gives_valid_rust() {
    run_nasty(bare_cr_inputs());
}

/// A 2 MiB operation name in `call:` makes the "did you mean" search (`names::closest`, an O(n·m) edit distance with
/// an allocation per character, run against every operation of the namespace) take about two minutes in a debug
/// build (~1.2 s for 20 kB): correct, but slow.
#[test]
fn slow_nasty_inputs_never_panic() {
    run_nasty(slow_inputs());
}
