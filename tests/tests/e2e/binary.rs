//! The real `logto-gateway` binary: start-up, every route once, SIGTERM; and configuration errors.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::bin::gateway_command;
use crate::support::free_port;
use crate::support::process::Process;
use crate::support::spec::{self, query_matches};
use e2e_tests::{MockUpstream, Reply, http_client};

const BIN_TOKEN: &str = "SECRET-binary-logto-token-6b2f";

/// Whether `serve` has this flag (per `serve --help`).
fn serve_accepts(flag: &str) -> bool {
    let out = gateway_command(&["serve", "--help"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).contains(flag)
}

/// Waits until `/healthz` answers, and checks that it answers 200.
async fn wait_ready(client: &reqwest::Client, base: &str, gateway: &mut Process) {
    let resp = gateway
        .wait_http(client, &format!("{base}/healthz"), Duration::from_secs(15))
        .await;
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_requests_go_through_the_proxy_that_http_proxy_names() {
    // The mock plays the proxy: it records what the gateway sends it for an upstream it cannot reach itself.
    let proxy = MockUpstream::start().await;
    proxy.set_default(Reply::json(200, r#"{"id":"app1"}"#));
    let client = http_client();
    for (endpoint, host) in [
        ("http://logto.example.test", "logto.example.test"),
        ("http://logto.example.test:8081/", "logto.example.test:8081"),
    ] {
        let port = free_port();
        let (port_arg, mcp_port_arg) = (port.to_string(), free_port().to_string());
        let mut gateway = Process::spawn(
            "gateway",
            gateway_command(&[
                "serve",
                "--logto-endpoint",
                endpoint,
                "--rest-port",
                &port_arg,
                "--mcp-port",
                &mcp_port_arg,
            ])
            .env("LOGTO_TOKEN", BIN_TOKEN)
            .env("HTTP_PROXY", proxy.url()),
        );
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&client, &base, &mut gateway).await;

        let before = proxy.requests().len();
        let resp = client
            .get(format!("{base}/api/applications/app1"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{endpoint}");
        assert_eq!(resp.text().await.unwrap(), r#"{"id":"app1"}"#);
        let requests = proxy.requests();
        assert_eq!(
            requests.len(),
            before + 1,
            "{endpoint}: one request via the proxy"
        );
        let r = &requests[before];
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/api/applications/app1", "{endpoint}");
        // The upstream's authority, as the proxy needs it: with the port only when it is not the default.
        assert_eq!(r.header_all("host"), [host], "{endpoint}");
        assert_eq!(
            r.header_all("authorization"),
            [format!("Bearer {BIN_TOKEN}")]
        );
        drop(gateway);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_every_route_and_stops_on_sigterm() {
    let mock = MockUpstream::start().await;
    let port = free_port();
    let port_arg = port.to_string();
    let mcp_port_arg = free_port().to_string();
    let mock_url = mock.url();
    let mut args = vec![
        "serve",
        "--logto-endpoint",
        &mock_url,
        "--rest-port",
        &port_arg,
    ];
    // Other adapters get free ports too, so that nothing else on the machine is in the way.
    if serve_accepts("--mcp-port") {
        args.extend(["--mcp-port", &mcp_port_arg]);
    }
    let mut gateway = Process::spawn(
        "gateway",
        gateway_command(&args).env("LOGTO_TOKEN", BIN_TOKEN),
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let base = format!("http://{addr}");
    let client = http_client();

    wait_ready(&client, &base, &mut gateway).await;

    // Every route once.
    let spec = spec::load();
    let cases = spec.cases();
    assert_eq!(cases.len(), 60);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let body = format!(r#"{{"route":{i}, "op" : "{}"}}"#, case.exposed.name);
        let reply = if case.method == "DELETE" {
            Reply::empty(204)
        } else {
            Reply::json(200, body).header("Total-Number", &i.to_string())
        };
        mock.set_default(reply.clone());
        let mut req = client.request(
            reqwest::Method::from_bytes(case.method.as_bytes()).unwrap(),
            format!("{base}{}", case.request_target),
        );
        if let Some(b) = &case.body {
            req = req
                .header("content-type", "application/json")
                .body(b.clone());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let total = resp
            .headers()
            .get("total-number")
            .map(|v| v.to_str().unwrap().to_owned());
        let got_body = resp.bytes().await.unwrap();
        let got = mock.take_requests();
        let name = &case.exposed.name;
        if status != reply.status || got_body != reply.body {
            failures.push(format!(
                "{name}: {status} {:?}",
                String::from_utf8_lossy(&got_body)
            ));
        }
        if reply.status == 200 && total != Some(i.to_string()) {
            failures.push(format!("{name}: Total-Number {total:?}"));
        }
        match got.as_slice() {
            [r] => {
                if r.method != case.consumed.method.to_ascii_uppercase()
                    || r.path != case.upstream_path
                    || query_matches(&case.upstream_query, &r.query_pairs()).is_err()
                    || r.authorization() != Some(format!("Bearer {BIN_TOKEN}"))
                    || r.body != case.body.clone().unwrap_or_default().as_bytes()
                {
                    failures.push(format!("{name}: upstream got {r:?}"));
                }
            }
            other => failures.push(format!("{name}: upstream got {} requests", other.len())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // SIGTERM: a clean exit.
    let kill = Command::new("kill")
        .args(["-TERM", &gateway.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = gateway.wait_exit(Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens after the exit"
    );

    let log = gateway.output();
    assert!(log.contains("listening"), "{log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(
        log.matches("logto_gateway::request").count() >= 60,
        "one request line per call: {log}"
    );
    assert!(
        !log.contains(BIN_TOKEN),
        "the Logto token shows in the log: {log}"
    );
}

/// Runs `serve` with a configuration error; returns the exit code and stderr.
fn config_error(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    // The port is held: a gateway that got as far as listening would fail differently (exit 1).
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let mut all = vec!["serve", "--rest-port", &port];
    all.extend_from_slice(args);
    let mut cmd = gateway_command(&all);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    drop(held);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn configuration_errors_exit_2_with_one_line_naming_flag_and_variable() {
    let m2m = [
        ("LOGTO_M2M_APP_ID", "app"),
        ("LOGTO_M2M_APP_SECRET", "SECRET-binary-m2m-secret-1"),
    ];
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "no endpoint nor tenant",
            vec![],
            vec![("LOGTO_TOKEN", BIN_TOKEN)],
            vec![
                "--logto-endpoint",
                "LOGTO_ENDPOINT",
                "--tenant-id",
                "LOGTO_TENANT_ID",
            ],
        ),
        (
            "token and M2M credentials (env)",
            vec!["--logto-endpoint", "http://127.0.0.1:1"],
            [("LOGTO_TOKEN", BIN_TOKEN)]
                .into_iter()
                .chain(m2m)
                .collect(),
            vec!["--logto-token", "LOGTO_TOKEN", "LOGTO_M2M_APP_ID"],
        ),
        (
            "token and M2M credentials (flags)",
            vec![
                "--tenant-id",
                "t1",
                "--logto-token",
                BIN_TOKEN,
                "--m2m-app-id",
                "app",
                "--m2m-app-secret",
                "SECRET-binary-m2m-secret-1",
            ],
            vec![],
            vec!["--logto-token", "LOGTO_TOKEN", "LOGTO_M2M_APP_SECRET"],
        ),
        (
            "no credentials",
            vec!["--logto-endpoint", "http://127.0.0.1:1"],
            vec![],
            vec!["--logto-token", "LOGTO_TOKEN", "--m2m-app-id"],
        ),
        (
            "bad timeout",
            vec![
                "--logto-endpoint",
                "http://127.0.0.1:1",
                "--upstream-timeout",
                "0",
            ],
            vec![("LOGTO_TOKEN", BIN_TOKEN)],
            vec!["--upstream-timeout", "GATEWAY_UPSTREAM_TIMEOUT"],
        ),
        (
            "bad header read timeout",
            vec!["--logto-endpoint", "http://127.0.0.1:1"],
            vec![
                ("LOGTO_TOKEN", BIN_TOKEN),
                ("GATEWAY_HEADER_READ_TIMEOUT", "-1"),
            ],
            vec!["--header-read-timeout", "GATEWAY_HEADER_READ_TIMEOUT"],
        ),
        (
            "bad tenant",
            vec!["--tenant-id", "evil.com/x"],
            vec![("LOGTO_TOKEN", BIN_TOKEN)],
            vec!["--tenant-id", "LOGTO_TENANT_ID"],
        ),
        (
            "public bind without inbound auth",
            vec![
                "--logto-endpoint",
                "http://127.0.0.1:1",
                "--bind",
                "0.0.0.0",
            ],
            vec![("LOGTO_TOKEN", BIN_TOKEN)],
            vec!["--auth-token", "GATEWAY_AUTH_TOKEN"],
        ),
    ];
    for (what, args, env, needles) in cases {
        let (code, stderr) = config_error(&args, &env);
        assert_eq!(code, Some(2), "{what}: exit code; stderr: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{what}: one line, got {stderr:?}");
        for n in needles {
            assert!(lines[0].contains(n), "{what}: `{n}` in {:?}", lines[0]);
        }
        assert!(!stderr.contains("listening"), "{what}: {stderr}");
        assert!(
            !stderr.contains(BIN_TOKEN),
            "{what}: the token shows: {stderr}"
        );
        assert!(
            !stderr.contains("SECRET-binary-m2m"),
            "{what}: the secret shows: {stderr}"
        );
    }
}
