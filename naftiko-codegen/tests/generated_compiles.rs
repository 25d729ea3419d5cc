//! Every spec the compiler accepts generates code that builds.
//!
//! `robustness.rs` only parses generated files with `syn`, which takes code that does not compile. Here about 80
//! accepted specs — the fixtures (with their renames), the Logto spec, the robustness test's small spec, mutations of
//! those (`mutations/`, shared with `robustness.rs`) that the compiler still accepts, and specs drawn by a generator
//! of valid ones (below) — are each generated into a module of one scratch crate, `naftiko-compile-check` (under
//! `target/tmp/compile-check/`), which `cargo check` builds once. The crate depends on the workspace's
//! `naftiko-runtime` and on what generated code names besides (axum, rmcp, serde, as the workspace's manifest gives
//! them), builds offline from the workspace's `Cargo.lock`, and has a target directory of its own, so a re-run checks
//! only the generated modules again. A spec whose module has an error or a warning fails the test, which prints the
//! spec and the compiler's messages for it.
//!
//! Draws are deterministic (a fixed seed, a fixed number of specs of each kind).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use naftiko_codegen::{Config, GeneratedFile, Renames};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

mod mutations;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The seed of every draw.
const SEED: &[u8; 32] = b"naftiko-codegen: generated code!";
/// Accepted mutations of the small specs, each with an output of its own.
const MUTATED: usize = 30;
/// Accepted specs from the generator.
const GENERATED: usize = 44;
/// Draws of each kind before the test gives up on reaching its count.
const MAX_DRAWS: usize = 3000;

/// One spec: where it comes from, its text and its renames.
#[derive(Clone)]
struct Case {
    origin: String,
    yaml: String,
    renames: String,
    /// The OpenAPI document typing its consumed API, if any.
    openapi: Option<PathBuf>,
    /// Where the spec stands, for the files it imports consumed APIs from.
    path: PathBuf,
}

impl Case {
    /// The files the compiler generates for this spec, or `None` when it refuses it.
    fn generate(&self) -> Option<Vec<GeneratedFile>> {
        let renames = Renames::parse(&self.renames, "spec.renames").ok()?;
        let config = Config::new(&self.path).renames(renames);
        let config = match &self.openapi {
            Some(doc) => config.openapi(doc),
            None => config,
        };
        config
            .generate_from_source(&self.yaml)
            .ok()
            .map(|out| out.files)
    }
}

/// Every fixture (`tests/fixtures/NAME/spec.yaml`, with its `spec.renames`), in name order.
fn fixtures() -> Vec<Case> {
    let root = Path::new(MANIFEST_DIR).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("spec.yaml").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy();
            let read = |f: &str| std::fs::read_to_string(dir.join(f));
            Case {
                origin: format!("fixture {name}"),
                yaml: read("spec.yaml").unwrap_or_else(|e| panic!("fixture {name}: {e}")),
                renames: read("spec.renames").unwrap_or_default(),
                openapi: None,
                path: dir.join("spec.yaml"),
            }
        })
        .collect()
}

/// The specs taken as they are, which the mutations start from (all but the Logto spec, whose 60 operations would
/// make each mutation a large module for one change).
fn base_cases() -> (Vec<Case>, Vec<Case>) {
    let mut small = fixtures();
    assert!(
        small.len() >= 3,
        "expected the fixtures, found {}",
        small.len()
    );
    small.push(Case {
        origin: "robustness.rs's MINI".into(),
        yaml: mutations::MINI.into(),
        renames: String::new(),
        openapi: None,
        path: "spec.yaml".into(),
    });
    let yaml = std::fs::read_to_string(Path::new(MANIFEST_DIR).join("../spec/logto.naftiko.yaml"))
        .unwrap_or_else(|e| panic!("spec/logto.naftiko.yaml: {e}"));
    // The Logto spec untyped, and typed by each of Logto's documents: OSS 1.37.1's (checked in beside the spec)
    // and Logto Cloud's of 2025-01.
    let logto = [
        None,
        Some("../spec/logto.openapi.json"),
        Some("tests/openapi/logto-cloud-2025-01.json"),
    ]
    .into_iter()
    .map(|doc| Case {
        origin: match doc {
            Some(doc) => format!("spec/logto.naftiko.yaml typed by {doc}"),
            None => "spec/logto.naftiko.yaml".into(),
        },
        yaml: yaml.clone(),
        renames: String::new(),
        openapi: doc.map(|d| Path::new(MANIFEST_DIR).join(d)),
        path: Path::new(MANIFEST_DIR).join("../spec/logto.naftiko.yaml"),
    })
    .collect();
    (small, logto)
}

/// The contents of a spec's files, to keep only specs whose output differs from every other's.
fn fingerprint(files: &[GeneratedFile]) -> Vec<String> {
    files.iter().map(|f| f.contents.clone()).collect()
}

/// The mutations most likely to leave a spec the compiler accepts with an output of its own: new scalar values
/// (names that are Rust keywords, values of other types…) above all, lines deleted, repeated or swapped, and now and
/// then any mutation.
fn mutation() -> impl Strategy<Value = mutations::Mutation> {
    prop_oneof![
        4 => mutations::replace_scalar(),
        1 => mutations::delete_line(),
        1 => mutations::duplicate_line(),
        1 => mutations::swap_lines(),
        1 => mutations::any_mutation(),
    ]
}

/// An accepted spec and the files generated for it.
type Generated = (Case, Vec<GeneratedFile>);

/// Draws `count` accepted specs from `draw`, each with an output not seen before; fails when `MAX_DRAWS` draws are
/// not enough.
fn accepted(
    kind: &str,
    count: usize,
    seen: &mut HashSet<Vec<String>>,
    mut draw: impl FnMut() -> Case,
) -> Vec<Generated> {
    let mut cases = Vec::new();
    let mut draws = 0;
    while cases.len() < count {
        assert!(
            draws < MAX_DRAWS,
            "{kind}: only {} accepted specs with an output of their own in {MAX_DRAWS} draws",
            cases.len()
        );
        draws += 1;
        let case = draw();
        if let Some(files) = case.generate()
            && seen.insert(fingerprint(&files))
        {
            cases.push((case, files));
        }
    }
    eprintln!("{kind}: {count} accepted in {draws} draws");
    cases
}

/// The official examples the compiler accepts (`tests/examples.census`), when `../shared/naftiko-examples` is there.
fn accepted_examples() -> Vec<Case> {
    let dir = Path::new(MANIFEST_DIR).join("../../shared/naftiko-examples");
    let census = std::fs::read_to_string(Path::new(MANIFEST_DIR).join("tests/examples.census"))
        .unwrap_or_default();
    census
        .lines()
        .filter_map(|l| l.strip_suffix(": accepted"))
        .filter_map(|rel| {
            let yaml = std::fs::read_to_string(dir.join(rel)).ok()?;
            Some(Case {
                origin: format!("naftiko-examples/{rel}"),
                yaml,
                renames: String::new(),
                openapi: None,
                path: dir.join(rel),
            })
        })
        .collect()
}

/// The cases of the test, with their files: the base specs, then mutations, then generated specs.
fn cases() -> Vec<Generated> {
    let (small, logto) = base_cases();
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for c in small.iter().chain(&logto).chain(&accepted_examples()) {
        let files = c
            .generate()
            .unwrap_or_else(|| panic!("{} is not accepted", c.origin));
        seen.insert(fingerprint(&files));
        all.push((c.clone(), files));
    }
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, SEED),
    );
    let strategy = (0..small.len(), prop::collection::vec(mutation(), 1..=3));
    let mutated = accepted("mutated specs", MUTATED, &mut seen, || {
        let (base, ms) = strategy
            .new_tree(&mut runner)
            .map(|t| t.current())
            .unwrap_or_else(|e| panic!("drawing mutations: {e}"));
        let base = &small[base];
        let mut yaml = base.yaml.clone();
        for m in &ms {
            yaml = m.apply(&yaml);
        }
        Case {
            origin: format!("{} mutated by {ms:?}", base.origin),
            yaml,
            renames: base.renames.clone(),
            openapi: None,
            path: base.path.clone(),
        }
    });
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, SEED);
    let mut n = 0;
    let generated = accepted("generated specs", GENERATED, &mut seen, || {
        n += 1;
        Case {
            origin: format!("generated spec #{n}"),
            yaml: generator::spec(&mut rng),
            renames: String::new(),
            openapi: None,
            path: "spec.yaml".into(),
        }
    });
    all.extend(mutated);
    all.extend(generated);
    all
}

// ---------------------------------------------------------------------------------------------------------------
// The scratch crate.
// ---------------------------------------------------------------------------------------------------------------

/// The line of `[workspace.dependencies]` that gives `name`, so that the scratch crate uses the versions and
/// features the workspace does.
fn workspace_dependency(manifest: &str, name: &str) -> String {
    let prefix = format!("{name} = ");
    manifest
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("the workspace's Cargo.toml has no `{name}` dependency"))
        .to_owned()
}

/// Writes `contents` to `path` unless it holds them already (cargo then sees an unchanged file).
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return;
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Writes the scratch crate into `root`: its manifest and lock file, `src/lib.rs`, and each case's files in
/// `src/spec_N/`.
fn write_crate(root: &Path, cases: &[Generated]) {
    let workspace = Path::new(MANIFEST_DIR).join("..");
    let manifest = std::fs::read_to_string(workspace.join("Cargo.toml")).unwrap();
    let runtime = workspace
        .join("naftiko-codegen/runtime")
        .canonicalize()
        .unwrap();
    let deps: Vec<String> = ["axum", "rmcp", "serde", "serde_json"]
        .iter()
        .map(|d| workspace_dependency(&manifest, d))
        .collect();
    let toml = format!(
        "# Written by naftiko-codegen's test `generated_compiles`.\n\
         [package]\nname = \"naftiko-compile-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nnaftiko-runtime = {{ path = {:?}, default-features = false, features = [\"rest\", \"mcp-http\"] }}\n\
         {}\n\n[workspace]\n",
        runtime.display().to_string(),
        deps.join("\n")
    );
    let src = root.join("src");
    std::fs::create_dir_all(&src).unwrap();
    write_if_changed(&root.join("Cargo.toml"), &toml);
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap();
    write_if_changed(&root.join("Cargo.lock"), &lock);

    let mut lib = String::from(
        "//! One module per spec, generated by naftiko-codegen's test `generated_compiles`.\n",
    );
    let mut dirs = BTreeSet::new();
    for (n, (case, files)) in cases.iter().enumerate() {
        let module = format!("spec_{n}");
        let origin: String = case.origin.chars().take(100).collect();
        let _ = writeln!(
            lib,
            "\n// {}\npub mod {module};",
            origin.replace(['\n', '\r'], " ")
        );
        let dir = src.join(&module);
        naftiko_codegen::write_files(&dir, files).unwrap_or_else(|e| panic!("{module}: {e}"));
        for stale in naftiko_codegen::stale_files(&dir, files) {
            std::fs::remove_file(&stale).unwrap_or_else(|e| panic!("{}: {e}", stale.display()));
        }
        dirs.insert(module);
    }
    write_if_changed(&src.join("lib.rs"), &lib);
    // Modules of an earlier run that this one does not have.
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && !dirs.contains(&name) {
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
}

/// A compiler message about the scratch crate.
struct Message {
    level: String,
    rendered: String,
    /// The spec whose module it is about, when one of its spans is in one.
    spec: Option<usize>,
}

/// The spec module a file of the scratch crate belongs to (`src/spec_12/rest.rs` → 12).
fn spec_of_file(file: &str) -> Option<usize> {
    let rest = file.strip_prefix("src/spec_")?;
    rest[..rest.find('/')?].parse().ok()
}

fn spec_of_spans(message: &serde_json::Value) -> Option<usize> {
    let spans = message["spans"].as_array()?;
    spans
        .iter()
        .filter_map(|s| s["file_name"].as_str())
        .find_map(spec_of_file)
        .or_else(|| {
            message["children"]
                .as_array()?
                .iter()
                .find_map(spec_of_spans)
        })
}

/// Runs `cargo check` on the crate in `root`; returns its success and the compiler's messages about the crate.
fn cargo_check(root: &Path, offline: bool) -> (bool, Vec<Message>, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut cmd = Command::new(cargo);
    cmd.arg("check")
        .arg("--message-format=json")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"));
    if offline {
        cmd.arg("--offline");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running cargo check: {e}"));
    let mut messages = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" || v["target"]["name"] != "naftiko_compile_check" {
            continue;
        }
        let m = &v["message"];
        let text = m["message"].as_str().unwrap_or_default();
        if m["level"] == "failure-note"
            || text.starts_with("aborting due to")
            || text.ends_with("emitted")
        {
            // rustc's summary: "aborting due to 3 previous errors", "2 warnings emitted", "For more information…".
            continue;
        }
        messages.push(Message {
            level: m["level"].as_str().unwrap_or_default().to_owned(),
            rendered: m["rendered"].as_str().unwrap_or_default().to_owned(),
            spec: spec_of_spans(m),
        });
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success(), messages, stderr)
}

/// The lines of a spec the failure report shows.
const YAML_LINES: usize = 300;

/// The test's failure report: each spec with messages, its origin and text, and its first messages.
fn report(cases: &[Generated], messages: &[Message]) -> String {
    let mut by_spec: BTreeMap<Option<usize>, Vec<&Message>> = BTreeMap::new();
    for m in messages
        .iter()
        .filter(|m| m.level != "note" && m.level != "help")
    {
        by_spec.entry(m.spec).or_default().push(m);
    }
    let failing: Vec<String> = by_spec
        .keys()
        .map(|k| k.map_or("the crate itself".into(), |n| format!("spec_{n}")))
        .collect();
    let mut s = format!(
        "the code generated for {} of {} accepted specs does not build cleanly: {}\n",
        by_spec.len(),
        cases.len(),
        failing.join(", ")
    );
    for (spec, ms) in by_spec.iter().take(6) {
        match spec {
            Some(n) => {
                let case = &cases[*n].0;
                let _ = write!(
                    s,
                    "\n==== spec_{n}: {} ({} messages)\n--- spec.yaml\n",
                    case.origin,
                    ms.len()
                );
                let lines = case.yaml.lines().count();
                for l in case.yaml.lines().take(YAML_LINES) {
                    let _ = writeln!(s, "{l}");
                }
                if lines > YAML_LINES {
                    let _ = writeln!(s, "… ({} more lines)", lines - YAML_LINES);
                }
                if !case.renames.is_empty() {
                    let _ = write!(s, "--- spec.renames\n{}", case.renames);
                }
            }
            None => {
                let _ = write!(s, "\n==== messages about no spec ({})\n", ms.len());
            }
        }
        s.push_str("--- compiler messages\n");
        for m in ms.iter().take(5) {
            s.push_str(&m.rendered);
        }
    }
    s
}

#[test]
fn every_accepted_spec_generates_code_that_builds() {
    let start = Instant::now();
    let cases = cases();
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile-check");
    std::fs::create_dir_all(&root).unwrap();
    // Another run of this test (another `cargo test`) waits until this one is done with the crate.
    let lock = std::fs::File::create(root.join(".lock")).unwrap();
    lock.lock().unwrap();
    write_crate(&root, &cases);
    eprintln!(
        "{} specs generated into {} in {:.1?}",
        cases.len(),
        root.display(),
        start.elapsed()
    );

    let checked = Instant::now();
    let (mut ok, mut messages, mut stderr) = cargo_check(&root, true);
    if !ok && messages.is_empty() {
        // The registry cache lacks a package the crate needs (the workspace's lock names it): fetch it.
        eprintln!("cargo check --offline failed, retrying online:\n{stderr}");
        (ok, messages, stderr) = cargo_check(&root, false);
    }
    eprintln!("cargo check took {:.1?}", checked.elapsed());
    let problems: Vec<&Message> = messages
        .iter()
        .filter(|m| m.level == "error" || m.level == "warning")
        .collect();
    assert!(
        ok || !problems.is_empty(),
        "cargo check of {} failed without a compiler message:\n{stderr}",
        root.display()
    );
    assert!(problems.is_empty(), "{}", report(&cases, &messages));
    assert!(ok, "cargo check of {} failed:\n{stderr}", root.display());
}

// ---------------------------------------------------------------------------------------------------------------
// A generator of valid specs.
// ---------------------------------------------------------------------------------------------------------------

/// Draws specs that mean to be valid: consumed APIs with path and query parameters of every type, REST and MCP
/// exposures that call them with every kind of `with:` binding (exposed inputs, bound values, literals, nothing),
/// exposed methods that are not the consumed ones, and names that are Rust keywords or the generated code's own.
/// Some are refused (two names that become one Rust identifier, say); the test keeps those the compiler accepts.
mod generator {
    use proptest::prelude::Rng as _;
    use proptest::test_runner::TestRng;

    const NAMESPACES: &[&str] = &["shop", "billing-api", "type", "v2", "myApi"];
    const OPERATIONS: &[&str] = &[
        "list-items",
        "getitem",
        "create",
        "update-item",
        "delete",
        "self",
        "new",
        "search",
        "type",
        "call",
    ];
    const PARAMS: &[&str] = &[
        "id",
        "type",
        "page",
        "min-price",
        "in_stock",
        "q",
        "self",
        "body",
        "query",
        "path",
        "raw",
        "c",
        "value",
        "Item-Id",
        "a*b",
        "_",
        "2fa",
        "k",
        "v",
    ];
    const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
    const TYPES: &[&str] = &["string", "integer", "number", "boolean", "object"];
    const VARS: &[&str] = &["TOKEN", "TENANT_ID", "REGION"];
    /// The body of an `authentication:`, each kind in each of its forms, bound and literal.
    const AUTHENTICATIONS: &[&str] = &[
        "        type: bearer\n        token: '{{TOKEN}}'\n",
        "        type: apikey\n        key: X-Api-Key\n        value: '{{TOKEN}}'\n        placement: header\n",
        "        type: apikey\n        key: appid\n        value: demo\n        placement: query\n",
        "        type: apikey\n        in: query\n        name: api_key\n        value: '{{TOKEN}}'\n",
        "        type: apikey\n        headers:\n          X-Api-Key: '{{TOKEN}}'\n          X-App-Key: '{{TENANT_ID}}'\n",
        "        type: basic\n        username: '{{TENANT_ID}}'\n        password: '{{TOKEN}}'\n",
        "        type: basic\n        username: gateway\n        password: ''\n",
    ];

    struct Rng<'a>(&'a mut TestRng);

    impl Rng<'_> {
        fn below(&mut self, n: usize) -> usize {
            (self.0.next_u64() % n as u64) as usize
        }
        /// True `percent` times in a hundred.
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
        /// A name of `xs` not in `taken`, if any is left; taken from then on.
        fn fresh<'a>(&mut self, xs: &[&'a str], taken: &mut Vec<String>) -> Option<&'a str> {
            let free: Vec<&'a str> = xs
                .iter()
                .copied()
                .filter(|x| !taken.iter().any(|t| t == x))
                .collect();
            if free.is_empty() {
                return None;
            }
            let x = self.pick(&free);
            taken.push(x.to_owned());
            Some(x)
        }
    }

    /// A YAML single-quoted string.
    fn q(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// A consumed parameter.
    struct Param {
        name: &'static str,
        ty: &'static str,
    }

    struct Op {
        ns: &'static str,
        name: &'static str,
        /// `None`: absent, which means GET.
        method: Option<&'static str>,
        path: Vec<Param>,
        query: Vec<Param>,
    }

    impl Op {
        fn method(&self) -> &'static str {
            self.method.unwrap_or("GET")
        }
    }

    /// A literal of type `ty`, if the format has one (objects have none).
    fn literal(r: &mut Rng, ty: &str) -> Option<String> {
        Some(match ty {
            "string" => q(r.pick(&["EUR", "a b", "", "{x}", "\"quoted\"", "1"])),
            "integer" => r.pick(&["0", "-7", "42"]).to_owned(),
            "number" => r.pick(&["1.5", "-0.25", "3"]).to_owned(),
            "boolean" => r.pick(&["true", "false"]).to_owned(),
            _ => return None,
        })
    }

    /// The consumed operations of one API, written into `y`.
    fn consumed_api(r: &mut Rng, ns: &'static str, y: &mut String, ops: &mut Vec<Op>) {
        let base = r.pick(&[
            "https://[tenant].api.example",
            "http://api.example/",
            "https://[region].[tenant].api.example/v1",
        ]);
        y.push_str(&format!(
            "    - type: http\n      namespace: {}\n      baseUri: {base}\n",
            q(ns)
        ));
        if r.chance(60) {
            y.push_str("      authentication:\n");
            y.push_str(r.pick(AUTHENTICATIONS));
        }
        y.push_str("      resources:\n");
        let mut op_names = Vec::new();
        for k in 0..1 + r.below(2) {
            let mut names = Vec::new();
            let mut path = format!("/r{k}");
            let mut path_params = Vec::new();
            for _ in 0..r.below(3) {
                let Some(p) = r.fresh(PARAMS, &mut names) else {
                    break;
                };
                path.push_str(&if r.chance(30) {
                    format!("/x/{{{{{p}}}}}")
                } else {
                    format!("/{{{p}}}")
                });
                path_params.push(p);
            }
            y.push_str(&format!(
                "        - name: res{k}\n          path: {}\n          operations:\n",
                q(&path)
            ));
            for _ in 0..1 + r.below(3) {
                let Some(name) = r.fresh(OPERATIONS, &mut op_names) else {
                    break;
                };
                let op = consumed_op(r, ns, name, &path_params, &names, y);
                ops.push(op);
            }
        }
    }

    fn consumed_op(
        r: &mut Rng,
        ns: &'static str,
        name: &'static str,
        path_params: &[&'static str],
        path_names: &[String],
        y: &mut String,
    ) -> Op {
        let method = if r.chance(20) {
            None
        } else {
            Some(r.pick(METHODS))
        };
        y.push_str(&format!("            - name: {}\n", q(name)));
        if let Some(m) = method {
            y.push_str(&format!("              method: {m}\n"));
        }
        if r.chance(50) {
            y.push_str(&format!("              description: Calls {name}.\n"));
        }
        let mut params = Vec::new();
        let mut path = Vec::new();
        for p in path_params {
            // A declared path parameter keeps its type (any but `object`).
            let ty = if r.chance(70) {
                "string"
            } else {
                r.pick(&TYPES[..4])
            };
            if r.chance(50) {
                params.push(format!(
                    "                - name: {}\n                  in: path\n                  type: {ty}\n                  description: The {p}.\n",
                    q(p)
                ));
                path.push(Param { name: p, ty });
            } else {
                path.push(Param {
                    name: p,
                    ty: "string",
                });
            }
        }
        let mut taken: Vec<String> = path_names.to_vec();
        let mut query = Vec::new();
        for _ in 0..r.below(4) {
            let Some(p) = r.fresh(PARAMS, &mut taken) else {
                break;
            };
            let ty = r.pick(TYPES);
            let required = r.chance(25);
            let mut decl = format!(
                "                - name: {}\n                  in: query\n                  type: {ty}\n",
                q(p)
            );
            if required {
                decl.push_str("                  required: true\n");
            }
            params.push(decl);
            query.push(Param { name: p, ty });
        }
        if !params.is_empty() {
            y.push_str("              inputParameters:\n");
            for p in params {
                y.push_str(&p);
            }
        }
        Op {
            ns,
            name,
            method,
            path,
            query,
        }
    }

    /// A declared input of an exposure.
    struct Input {
        name: &'static str,
        ty: &'static str,
        required: bool,
    }

    impl Input {
        /// Its entry in `inputParameters`, `in: query` for REST.
        fn yaml(&self, pad: &str, rest: bool) -> String {
            let mut d = format!("{pad}- name: {}\n", q(self.name));
            if rest {
                d.push_str(&format!("{pad}  in: query\n"));
            }
            d.push_str(&format!("{pad}  type: {}\n", self.ty));
            if self.required {
                d.push_str(&format!("{pad}  required: true\n"));
            }
            d
        }
    }

    /// How an exposure feeds one consumed parameter: its `with:` entry and the input it declares, if any.
    #[derive(Default)]
    struct Binding {
        with: Option<String>,
        input: Option<Input>,
    }

    /// `with:` entry `param: value`.
    fn entry(param: &str, value: &str) -> Option<String> {
        Some(format!("{}: {value}", q(param)))
    }

    /// The binding of a consumed parameter `p` from an exposure whose inputs are named `prefix.X`: by name (and so a
    /// new input), to a declared input of the parameter's type, to a declared input named like it (of its type or
    /// another), to a bound value, or to a literal. `inputs` are the names of the exposure's inputs so far.
    fn binding(r: &mut Rng, p: &Param, prefix: &str, inputs: &mut Vec<String>) -> Binding {
        match r.below(10) {
            4 | 5 => match r.fresh(PARAMS, inputs) {
                Some(x) => Binding {
                    with: entry(p.name, &q(&format!("{prefix}.{x}"))),
                    input: Some(Input {
                        name: x,
                        ty: p.ty,
                        required: r.chance(30),
                    }),
                },
                None => Binding::default(),
            },
            6 if !inputs.iter().any(|i| i == p.name) => {
                inputs.push(p.name.to_owned());
                Binding {
                    with: None,
                    input: Some(Input {
                        name: p.name,
                        ty: if r.chance(50) { p.ty } else { r.pick(TYPES) },
                        required: r.chance(30),
                    }),
                }
            }
            7 if p.ty == "string" => Binding {
                with: entry(p.name, &q(&format!("{{{{{}}}}}", r.pick(VARS)))),
                input: None,
            },
            8 | 9 => Binding {
                with: literal(r, p.ty).and_then(|l| entry(p.name, &l)),
                input: None,
            },
            _ => Binding::default(),
        }
    }

    fn with_block(y: &mut String, pad: &str, with: &[String]) {
        if !with.is_empty() {
            y.push_str(&format!("{pad}with:\n"));
            for w in with {
                y.push_str(&format!("{pad}  {w}\n"));
            }
        }
    }

    fn inputs_block(y: &mut String, pad: &str, inputs: &[Input], rest: bool) {
        if !inputs.is_empty() {
            y.push_str(&format!("{pad}inputParameters:\n"));
            for i in inputs {
                y.push_str(&i.yaml(&format!("{pad}  "), rest));
            }
        }
    }

    /// About `percent` in a hundred of `ops`, at least one.
    fn some<'a>(r: &mut Rng, ops: &'a [Op], percent: usize) -> Vec<(usize, &'a Op)> {
        let mut chosen: Vec<(usize, &Op)> = ops
            .iter()
            .enumerate()
            .filter(|_| r.chance(percent))
            .collect();
        if chosen.is_empty() {
            chosen.extend(ops.iter().enumerate().take(1));
        }
        chosen
    }

    fn rest_exposure(r: &mut Rng, ops: &[Op], y: &mut String) {
        let ns = r.pick(&["rest", "gateway", "shop-rest"]);
        y.push_str(&format!(
            "    - type: rest\n      port: 8080\n      namespace: {ns}\n      resources:\n"
        ));
        let mut last = 0;
        for (k, op) in some(r, ops, 70) {
            // Now and then the path of the operation before: routes with several methods.
            if !r.chance(30) {
                last = k;
            }
            let prefix = if r.chance(50) { "rest" } else { ns };
            let method = if r.chance(70) {
                op.method()
            } else {
                r.pick(METHODS)
            };
            let mut inputs: Vec<String> = Vec::new();
            let mut path = format!("/e{last}");
            let mut with = Vec::new();
            let mut declared = Vec::new();
            for p in &op.path {
                if p.ty == "string" && r.chance(15) {
                    with.extend(entry(p.name, &q(&format!("{{{{{}}}}}", r.pick(VARS)))));
                } else if r.chance(25)
                    && let Some(x) = r.fresh(PARAMS, &mut inputs)
                {
                    path.push_str(&format!("/{{{x}}}"));
                    with.extend(entry(p.name, &q(&format!("{prefix}.{x}"))));
                } else {
                    inputs.push(p.name.to_owned());
                    path.push_str(&format!("/{{{}}}", p.name));
                }
            }
            for p in &op.query {
                let b = binding(r, p, prefix, &mut inputs);
                with.extend(b.with);
                declared.extend(b.input);
            }
            y.push_str(&format!(
                "        - path: {}\n          operations:\n            - method: {method}\n              name: {}\n              call: {}\n",
                q(&path),
                q(&format!("{}-{k}", op.name)),
                q(&format!("{}.{}", op.ns, op.name))
            ));
            with_block(y, "              ", &with);
            inputs_block(y, "              ", &declared, true);
        }
    }

    fn mcp_exposure(r: &mut Rng, ops: &[Op], y: &mut String) {
        let ns = r.pick(&["mcp", "agents", "shop-mcp"]);
        y.push_str(&format!(
            "    - type: mcp\n      port: 9090\n      namespace: {ns}\n      transport: {}\n      tools:\n",
            if r.chance(20) { "stdio" } else { "http" }
        ));
        for (k, op) in some(r, ops, 70) {
            let prefix = if r.chance(50) { "tools" } else { ns };
            let mut inputs: Vec<String> = Vec::new();
            let mut with = Vec::new();
            let mut declared = Vec::new();
            for p in op.path.iter().chain(&op.query) {
                let b = binding(r, p, prefix, &mut inputs);
                with.extend(b.with);
                declared.extend(b.input);
            }
            y.push_str(&format!(
                "        - name: {}\n          description: Calls {}.\n          call: {}\n",
                q(&format!("{}.{k}", op.name)),
                op.name,
                q(&format!("{}.{}", op.ns, op.name))
            ));
            if r.chance(30) {
                y.push_str("          label: A tool\n");
            }
            if r.chance(50) {
                y.push_str(&format!(
                    "          hints:\n            readOnly: {}\n            idempotent: {}\n",
                    r.chance(50),
                    r.chance(50)
                ));
            }
            with_block(y, "          ", &with);
            inputs_block(y, "          ", &declared, false);
        }
    }

    /// One spec.
    pub fn spec(rng: &mut TestRng) -> String {
        let r = &mut Rng(rng);
        let mut y = String::from(
            "naftiko: 1.0.0-alpha2\ninfo:\n  label: Generated\ncapability:\n  consumes:\n",
        );
        let mut ops = Vec::new();
        let mut namespaces = Vec::new();
        for _ in 0..1 + r.below(2) {
            if let Some(ns) = r.fresh(NAMESPACES, &mut namespaces) {
                consumed_api(r, ns, &mut y, &mut ops);
            }
        }
        y.push_str("  exposes:\n");
        let rest = r.chance(75);
        if rest {
            rest_exposure(r, &ops, &mut y);
        }
        if !rest || r.chance(75) {
            mcp_exposure(r, &ops, &mut y);
        }
        y.push_str("  binds:\n    - namespace: env\n      keys:\n");
        for v in VARS {
            y.push_str(&format!("        {v}: {v}\n"));
        }
        y
    }
}
