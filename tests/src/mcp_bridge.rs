//! The official MCP Python SDK as a client the tests can drive call by call: `tests/python/mcp_bridge.py`, run with
//! the venv that `bash tests/python/install.sh` makes, connected to an MCP adapter over streamable HTTP.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::required;

/// The venv's Python, or `None` when it is missing (see [`required`]: `MCP_PYTHON_REQUIRED`).
pub fn python() -> Option<PathBuf> {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if py.is_file() {
        return Some(py);
    }
    required(
        "MCP_PYTHON_REQUIRED",
        &format!(
            "{} is missing: run `bash tests/python/install.sh` (installs the MCP Python SDK), or `cargo xtask test`",
            py.display()
        ),
    );
    None
}

/// A running bridge: one tool call at a time.
pub struct McpBridge {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// The protocol version the SDK negotiated.
    pub protocol_version: String,
    /// The tools `tools/list` gave, in order.
    pub tools: Vec<String>,
}

impl McpBridge {
    /// Connects the SDK to `url` (`http://…/mcp`) in `mode` (`auto` or `legacy`); `None` without the SDK.
    pub async fn connect(url: &str, mode: &str) -> Option<McpBridge> {
        let python = python()?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/mcp_bridge.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(["--url", url, "--mode", mode])
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .env_remove("all_proxy")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the MCP bridge");
        let stdin = child.stdin.take().expect("the bridge's stdin");
        let stdout = child.stdout.take().expect("the bridge's stdout");
        let mut bridge = McpBridge {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
            protocol_version: String::new(),
            tools: Vec::new(),
        };
        let ready = bridge.line().await;
        assert_eq!(ready["ready"], true, "the bridge's first line: {ready}");
        bridge.protocol_version = ready["protocol_version"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        bridge.tools = ready["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        Some(bridge)
    }

    async fn line(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line())
            .await
            .expect("the MCP bridge answers within 60 s")
            .expect("read the MCP bridge's output")
            .expect("the MCP bridge ended early (its errors are above)");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("the bridge wrote `{line}`: {e}"))
    }

    /// Calls `name` with `arguments`: `{"result": CallToolResult}` or `{"error": {code, message}}`.
    pub async fn call(&mut self, name: &str, arguments: &Value) -> Value {
        let mut line = json!({"name": name, "arguments": arguments}).to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to the MCP bridge");
        self.stdin
            .flush()
            .await
            .expect("flush the MCP bridge's input");
        self.line().await
    }

    /// Closes the session and waits for the SDK to exit.
    pub async fn close(mut self) {
        drop(self.stdin);
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the MCP bridge exits within 20 s")
            .expect("wait for the MCP bridge");
        assert!(status.success(), "the MCP bridge exited with {status}");
    }
}
