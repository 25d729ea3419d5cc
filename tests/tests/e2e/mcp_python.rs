//! The MCP adapter driven by the official MCP Python SDK (`tests/python/mcp_check.py`, installed into `tests/.venv`
//! by `bash tests/python/install.sh`): over streamable HTTP in both of the SDK's modes (`auto`: `server/discover`,
//! protocol 2026-07-28; `legacy`: the `initialize` handshake, 2025-11-25), and over stdio with the real binary.
//! The script's report is checked against the spec (read with a plain YAML parser) and against what the mock
//! upstream received.
//!
//! Without `tests/.venv/bin/python` these tests fail in CI (`CI=true`) or with `MCP_PYTHON_REQUIRED=1`, and are
//! skipped (with a message) otherwise.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::support::bin::{gateway_binary, without_gateway_env};
use crate::support::mcp::{is_error, text, tool_differences};
use crate::support::spec::{self, Spec, query_matches};
use e2e_tests::mcp_bridge::python;
use e2e_tests::{GatewayOptions, McpGateway, MockUpstream, Recorded, Reply};
use serde_json::{Value, json};

const TOKEN: &str = "logto-token-python-4e8b17";
/// Applications as Logto lists them: the SDK checks the result against the tool's output schema.
const APPS: &str = r#"[{"tenantId":"default","id":"app-1","name":"One","secret":"internal-secret-1","description":null,"type":"SPA","oidcClientMetadata":{"redirectUris":["https://one.example/callback"],"postLogoutRedirectUris":[]},"customClientMetadata":{},"protectedAppMetadata":null,"customData":{},"isThirdParty":false,"createdAt":1764633600000},
 {"tenantId":"default","id":"app-2","name":"Dé \"two\"","secret":"internal-secret-2","description":"The second one ✓","type":"MachineToMachine","oidcClientMetadata":{"redirectUris":[],"postLogoutRedirectUris":[]},"customClientMetadata":{"corsAllowedOrigins":["https://two.example"]},"protectedAppMetadata":null,"customData":{"team":"e2e"},"isThirdParty":false,"createdAt":1764633601000.5}]"#;
/// The application Logto answers the script's valid `createapplication` call with.
const CREATED: &str = r#"{"tenantId":"default","id":"app-py-1","name":"py-app","secret":"internal-secret-py","description":null,"type":"MachineToMachine","oidcClientMetadata":{"redirectUris":[],"postLogoutRedirectUris":[]},"customClientMetadata":{},"protectedAppMetadata":null,"customData":{},"isThirdParty":false,"createdAt":1764633602000,"isAdmin":false}"#;
const TOTAL: u64 = 42;
const NOT_FOUND: &str =
    r#"{"code":"entity.not_found","message":"The application with ID `missing` was not found."}"#;
const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/mcp_check.py")
}

/// The mock upstream, answering the script's calls.
async fn mock() -> MockUpstream {
    let mock = MockUpstream::start().await;
    mock.on(
        Some("GET"),
        "/api/applications",
        Reply::json(200, APPS).header("Total-Number", &TOTAL.to_string()),
    );
    mock.on(Some("POST"), "/api/applications", Reply::json(201, CREATED));
    mock.on(
        Some("DELETE"),
        "/api/applications/app-py/roles/role%2Fpy",
        Reply::empty(204),
    );
    mock.on(
        Some("GET"),
        "/api/applications/missing",
        Reply::json(404, NOT_FOUND),
    );
    mock
}

/// Runs the script with `args`, with the gateway's and proxies' variables removed from its environment and `env`
/// added; returns its JSON report.
async fn run_script(py: &Path, args: &[String], env: &[(&str, &str)]) -> Value {
    let mut cmd = std::process::Command::new(py);
    without_gateway_env(&mut cmd)
        .arg(script())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .envs(env.iter().copied());
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("mcp_check.py finishes within 60 s")
        .expect("run mcp_check.py");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "mcp_check.py {args:?} failed ({}):\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains(TOKEN),
        "the Logto token shows on stderr: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mcp_check.py printed no JSON report ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The report's entry for the `n`th call of the script, checked to be `tool`.
fn nth_call<'a>(report: &'a Value, n: usize, tool: &str) -> &'a Value {
    let c = &report["calls"][n];
    assert_eq!(c["name"], tool, "call {n}: {c}");
    c
}

/// Checks a report against the spec and the upstream's record.
fn check(what: &str, spec: &Spec, report: &Value, upstream: &[Recorded], version: &str) {
    // The session.
    assert_eq!(
        report["protocol_version"], version,
        "{what}: negotiated protocol version"
    );
    let exposure = &spec.mcp[0];
    assert_eq!(
        report["server"]["name"],
        json!(exposure.namespace),
        "{what}: server name"
    );
    if let Some(d) = &exposure.description {
        assert_eq!(report["instructions"], json!(d), "{what}: instructions");
    }
    assert!(
        report["capabilities"]["tools"].is_object(),
        "{what}: the tools capability: {}",
        report["capabilities"]
    );

    // The tools: all of them, in spec order, with the spec's annotations (hints with defaults) and input schemas.
    let tools = report["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), 60, "{what}: tools");
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let spec_names: Vec<&str> = spec.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, spec_names, "{what}: tools in spec order");
    let mut failures = Vec::new();
    for (t, listed) in spec.tools.iter().zip(tools) {
        for d in tool_differences(t, &spec.tool_args(t), listed) {
            failures.push(format!("{}: {d}", t.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // What the OpenAPI document adds, as the SDK parsed it: `createapplication` requires a body with `name` and
    // `type`, `type` one of the application types; `getapplication` (and the two tools whose successful results the
    // SDK checked) list an output schema of an object.
    let listed = |name: &str| {
        tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{what}: {name} listed"))
    };
    let create_schema = &listed("createapplication")["inputSchema"];
    let body = &create_schema["properties"]["body"];
    for field in ["name", "type"] {
        assert!(
            body["required"]
                .as_array()
                .is_some_and(|r| r.contains(&json!(field))),
            "{what}: `body` requires `{field}`: {body}"
        );
    }
    assert!(
        body["properties"]["type"]["enum"]
            .as_array()
            .is_some_and(|e| e.contains(&json!("MachineToMachine"))),
        "{what}: the enum of `body.type`: {body}"
    );
    assert!(
        create_schema["required"]
            .as_array()
            .is_some_and(|r| r.contains(&json!("body"))),
        "{what}: `body` is required: {create_schema}"
    );
    for name in ["getapplication", "listapplications", "createapplication"] {
        let out = &listed(name)["outputSchema"];
        assert_eq!(
            out["type"], "object",
            "{what}: {name}'s outputSchema: {out}"
        );
    }
    // The canned answers satisfy the output schemas the SDK checked them against (a stand-in upstream that did not
    // would make the SDK raise).
    let list_out = &listed("listapplications")["outputSchema"];
    let want_list =
        json!({"items": serde_json::from_str::<Value>(APPS).unwrap(), "totalNumber": TOTAL});
    assert!(
        jsonschema::is_valid(list_out, &want_list),
        "{what}: APPS fits {list_out}"
    );
    let create_out = &listed("createapplication")["outputSchema"];
    let created: Value = serde_json::from_str(CREATED).unwrap();
    assert!(
        jsonschema::is_valid(create_out, &created),
        "{what}: CREATED fits {create_out}"
    );

    // The calls' results.
    let calls = report["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 7, "{what}: the script's calls: {calls:?}");
    // The arguments against the listed input schemas, as Python's `jsonschema` sees them: the gateway refuses what
    // its schemas refuse (calls 4 and 5), and takes the rest.
    let schema_valid: Vec<Value> = calls.iter().map(|c| c["schema_valid"].clone()).collect();
    assert_eq!(
        schema_valid,
        [
            json!(true),
            json!(true),
            json!(true),
            json!(true),
            json!(false),
            json!(false),
            Value::Null
        ],
        "{what}: the calls' arguments against the listed input schemas"
    );
    let list = &nth_call(report, 0, "listapplications")["result"];
    assert!(!is_error(list), "{what}: {list}");
    let items: Value = serde_json::from_str(APPS).unwrap();
    let want = json!({"items": items, "totalNumber": TOTAL});
    assert_eq!(list["structuredContent"], want, "{what}: the array result");
    assert_eq!(
        serde_json::from_str::<Value>(&text(list)).ok(),
        Some(want),
        "{what}: the text is the same JSON"
    );

    // The created application, as Logto answered (the body the call gave is checked at the upstream, below).
    let create = nth_call(report, 1, "createapplication");
    let result = &create["result"];
    assert!(!is_error(result), "{what}: {result}");
    assert_eq!(
        result["structuredContent"], created,
        "{what}: the created application"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&text(result)).ok(),
        Some(created),
        "{what}: the text is the same JSON"
    );
    for field in ["name", "type"] {
        assert_eq!(
            result["structuredContent"][field], create["arguments"]["body"][field],
            "{what}: the created application's `{field}`"
        );
    }

    let delete = &nth_call(report, 2, "deleteapplicationrole")["result"];
    assert!(!is_error(delete), "{what}: {delete}");
    assert!(
        delete.get("structuredContent").is_none(),
        "{what}: {delete}"
    );
    assert!(text(delete).contains("204"), "{what}: {delete}");

    let missing = &nth_call(report, 3, "getapplication")["result"];
    assert!(
        is_error(missing),
        "{what}: the 404 is a tool error: {missing}"
    );
    let t = text(missing);
    for needle in [
        "404",
        "entity.not_found",
        "The application with ID `missing` was not found.",
    ] {
        assert!(t.contains(needle), "{what}: `{needle}` in {t:?}");
    }

    let bad = &nth_call(report, 4, "getapplication")["result"];
    assert!(
        is_error(bad),
        "{what}: the argument error is a tool error: {bad}"
    );
    assert!(text(bad).contains("`id`"), "{what}: {bad}");

    // A body outside the schema: the gateway's tool error names the missing field; no request (see below).
    let invalid = &nth_call(report, 5, "createapplication")["result"];
    assert!(
        is_error(invalid),
        "{what}: the invalid body is a tool error: {invalid}"
    );
    assert!(
        invalid.get("structuredContent").is_none(),
        "{what}: {invalid}"
    );
    let t = text(invalid);
    for needle in ["`body`", "`name`", "missing"] {
        assert!(t.contains(needle), "{what}: `{needle}` in {t:?}");
    }

    let unknown = nth_call(report, 6, "nosuchtool");
    assert_eq!(
        unknown["error"]["code"], -32602,
        "{what}: an unknown tool is a JSON-RPC invalid-params error: {unknown}"
    );
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nosuchtool"),
        "{what}: {unknown}"
    );

    // What the upstream received: one request for each of the first four calls, derived from the spec; none for
    // the argument error (call 4), the body outside its schema (call 5) or the unknown tool (call 6).
    assert_eq!(
        upstream.len(),
        4,
        "{what}: upstream requests: {:#?}",
        upstream
            .iter()
            .map(|r| format!("{} {} {:?}", r.method, r.path, r.query))
            .collect::<Vec<_>>()
    );
    for (n, r) in upstream.iter().enumerate() {
        let call = &calls[n];
        let tool = spec.tool(call["name"].as_str().unwrap());
        let args = call["arguments"].as_object().unwrap();
        let want = spec.tool_upstream(tool, args);
        let w = format!("{what}: {} {}", tool.name, call["arguments"]);
        assert_eq!(r.method, want.method, "{w}: method");
        assert_eq!(r.path, want.path, "{w}: path");
        query_matches(&want.query, &r.query_pairs())
            .unwrap_or_else(|e| panic!("{w}: query {:?}: {e}", r.query));
        if want.query.is_empty() {
            assert_eq!(r.query, None, "{w}: no query");
        }
        assert_eq!(
            r.header_all("authorization"),
            [format!("Bearer {TOKEN}")],
            "{w}: Authorization"
        );
        match &want.body {
            Some(b) => assert_eq!(
                r.body_text(),
                String::from_utf8_lossy(b),
                "{w}: the body, byte for byte"
            ),
            None => assert!(r.body.is_empty(), "{w}: no body"),
        }
    }
    // The derivation is not vacuous: the list call has an exploded object and the create call a body.
    let first = spec.tool_upstream(
        spec.tool("listapplications"),
        calls[0]["arguments"].as_object().unwrap(),
    );
    assert!(
        first
            .query
            .iter()
            .any(|q| matches!(q, spec::QueryPart::Exploded(e) if e.len() == 2)),
        "{what}: {first:?}"
    );
    assert_eq!(upstream[2].path, "/api/applications/app-py/roles/role%2Fpy");
}

async fn over_http(mode: &str, version: &str) {
    let Some(py) = python() else { return };
    let spec = spec::load();
    assert_eq!(spec.repairs, 4, "dialect repairs");
    let mock = mock().await;
    let gw = McpGateway::start(&GatewayOptions::bearer(mock.url(), TOKEN)).await;
    let report = run_script(
        &py,
        &["--url".into(), gw.mcp_url(), "--mode".into(), mode.into()],
        &[],
    )
    .await;
    assert_eq!(report["mode"], mode);
    check(
        &format!("HTTP, mode {mode}"),
        &spec,
        &report,
        &mock.take_requests(),
        version,
    );
    gw.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_auto_mode_over_http_negotiates_2026_07_28() {
    over_http("auto", MODERN).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_legacy_mode_over_http_negotiates_2025_11_25() {
    over_http("legacy", LEGACY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_over_stdio_with_the_binary() {
    let Some(py) = python() else { return };
    let spec = spec::load();
    let bin = gateway_binary();
    let mock = mock().await;
    let report = run_script(
        &py,
        &[
            "--mode".into(),
            "auto".into(),
            "--stdio".into(),
            bin.display().to_string(),
            "mcp-stdio".into(),
            "--logto-endpoint".into(),
            mock.url(),
        ],
        &[("LOGTO_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(report["mode"], "auto");
    check("stdio", &spec, &report, &mock.take_requests(), MODERN);
}

/// The toolset of a tool, read from the spec: the first segment of its consumed path after `/api/`.
fn toolset_of(spec: &Spec, tool: &spec::ExposedTool) -> String {
    let path = &spec.consumed[&tool.call].path;
    path.split('/')
        .find(|s| !s.is_empty() && *s != "api")
        .unwrap_or_default()
        .to_owned()
}

/// `tools/list` through the Python SDK from a gateway started with the selection flags `set`; every tool the spec
/// has that the selection leaves out is an unknown tool when called.
async fn listed_with(
    py: &Path,
    set: impl FnOnce(&mut logto_gateway::config::ServeArgs),
) -> Vec<String> {
    let mock = mock().await;
    let mut args = GatewayOptions::bearer(mock.url(), TOKEN).serve_args();
    set(&mut args);
    let gw = McpGateway::start_with_config(args.validate().expect("a valid selection")).await;
    let report = run_script(
        py,
        &["--url".into(), gw.mcp_url(), "--mode".into(), "auto".into()],
        &[],
    )
    .await;
    gw.stop().await.unwrap();
    let listed: Vec<String> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    // The script's calls of tools that are not listed are refused as unknown tools, and reach no upstream.
    for call in report["calls"].as_array().unwrap() {
        let name = call["name"].as_str().unwrap();
        if !listed.iter().any(|l| l == name) {
            assert_eq!(call["error"]["code"], -32602, "{name}: {call}");
            assert!(
                call["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("unknown tool"),
                "{call}"
            );
        }
    }
    listed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_selection_flags_choose_what_tools_list_shows() {
    let Some(py) = python() else { return };
    let spec = spec::load();
    let expected = |keep: &dyn Fn(&spec::ExposedTool) -> bool| -> Vec<String> {
        spec.tools
            .iter()
            .filter(|t| keep(t))
            .map(|t| t.name.clone())
            .collect()
    };
    let mut counts = Vec::new();

    let all = listed_with(&py, |_| {}).await;
    assert_eq!(all, expected(&|_| true));
    counts.push(("no flag", all.len()));

    let toolset = listed_with(&py, |a| a.select.toolsets = vec!["applications".into()]).await;
    assert_eq!(
        toolset,
        expected(&|t| toolset_of(&spec, t) == "applications")
    );
    counts.push(("--toolsets applications", toolset.len()));

    let read_only = listed_with(&py, |a| a.select.read_only = true).await;
    assert_eq!(read_only, expected(&|t| t.hints.read_only));
    counts.push(("--read-only", read_only.len()));

    let named = listed_with(&py, |a| {
        a.select.tools = vec!["get*".into(), "listapplications".into()];
        a.select.exclude_tools = vec!["*config*".into()];
    })
    .await;
    assert_eq!(
        named,
        expected(
            &|t| (t.name.starts_with("get") || t.name == "listapplications")
                && !t.name.contains("config")
        )
    );
    counts.push((
        "--tools 'get*,listapplications' --exclude-tools '*config*'",
        named.len(),
    ));

    let both = listed_with(&py, |a| {
        a.select.toolsets = vec!["connectors".into(), "resources".into()];
        a.select.read_only = true;
    })
    .await;
    assert_eq!(
        both,
        expected(&|t| t.hints.read_only
            && ["connectors", "resources"].contains(&toolset_of(&spec, t).as_str()))
    );
    counts.push(("--toolsets connectors,resources --read-only", both.len()));

    // Each selection is a real one: fewer tools than all, more than none.
    for (flags, n) in &counts[1..] {
        assert!(*n > 0 && *n < all.len(), "{flags}: {n}");
    }
    eprintln!("tools/list counts: {counts:?}");
}

/// The README's table of toolsets is the spec's: each toolset, its tools and its read-only tools, counted here from
/// the spec, in the order the generated `LOGTO_MCP_TOOLSETS` lists them.
#[test]
fn readme_lists_the_toolsets_the_spec_has() {
    let spec = spec::load();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table: Vec<String> = readme
        .lines()
        .skip_while(|l| *l != "| toolset | tools | read-only |")
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = logto_gateway::generated::mcp::LOGTO_MCP_TOOLSETS
        .iter()
        .map(|set| {
            let tools: Vec<_> = spec
                .tools
                .iter()
                .filter(|t| toolset_of(&spec, t) == *set)
                .collect();
            let read_only = tools.iter().filter(|t| t.hints.read_only).count();
            format!("| `{set}` | {} | {read_only} |", tools.len())
        })
        .collect();
    assert_eq!(table, expected);
}
