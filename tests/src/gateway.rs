//! The gateway (REST or MCP adapter), started in-process on `127.0.0.1:0`, in front of an upstream (usually the
//! mock).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use logto_gateway::config::{Config, ServeArgs, UpstreamArgs};
use logto_gateway::server::{self, McpSettings};
use naftiko_runtime::client::Secret;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the in-process gateway is started with: the same knobs as `logto-gateway serve`.
#[derive(Clone, Debug)]
pub struct GatewayOptions {
    /// `--logto-endpoint`
    pub endpoint: String,
    /// `--logto-token`
    pub logto_token: Option<String>,
    /// `--m2m-app-id`, `--m2m-app-secret`
    pub m2m: Option<(String, String)>,
    /// `--auth-token`: inbound authentication.
    pub auth_token: Option<String>,
    /// `--max-body-bytes`
    pub max_body_bytes: usize,
    /// `--upstream-timeout`, seconds.
    pub upstream_timeout: f64,
    /// `--mcp-allowed-host` (loopback names are always allowed).
    pub mcp_allowed_hosts: Vec<String>,
    /// `--mcp-allowed-origin`
    pub mcp_allowed_origins: Vec<String>,
    /// `--header-read-timeout`, seconds.
    pub header_read_timeout: f64,
}

impl GatewayOptions {
    /// A fixed Logto token (`--logto-token`).
    pub fn bearer(endpoint: impl Into<String>, token: &str) -> Self {
        GatewayOptions {
            endpoint: endpoint.into(),
            logto_token: Some(token.to_owned()),
            m2m: None,
            auth_token: None,
            max_body_bytes: 1024 * 1024,
            upstream_timeout: 10.0,
            mcp_allowed_hosts: Vec::new(),
            mcp_allowed_origins: Vec::new(),
            header_read_timeout: 30.0,
        }
    }

    /// Machine-to-machine credentials: tokens from `{endpoint}/oidc/token`.
    pub fn m2m(endpoint: impl Into<String>, app_id: &str, app_secret: &str) -> Self {
        GatewayOptions {
            logto_token: None,
            m2m: Some((app_id.to_owned(), app_secret.to_owned())),
            ..GatewayOptions::bearer(endpoint, "")
        }
    }

    pub fn auth_token(mut self, token: &str) -> Self {
        self.auth_token = Some(token.to_owned());
        self
    }

    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    pub fn upstream_timeout(mut self, secs: f64) -> Self {
        self.upstream_timeout = secs;
        self
    }

    pub fn header_read_timeout(mut self, secs: f64) -> Self {
        self.header_read_timeout = secs;
        self
    }

    /// One more `--mcp-allowed-host`.
    pub fn mcp_allowed_host(mut self, host: &str) -> Self {
        self.mcp_allowed_hosts.push(host.to_owned());
        self
    }

    /// One more `--mcp-allowed-origin`.
    pub fn mcp_allowed_origin(mut self, origin: &str) -> Self {
        self.mcp_allowed_origins.push(origin.to_owned());
        self
    }

    /// The `serve` arguments these options stand for. They are parsed (so that options this helper does not know of
    /// keep their defaults), then every option it knows of is set explicitly, whatever the environment holds.
    pub fn serve_args(&self) -> ServeArgs {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let mut args = <Cli as clap::Parser>::try_parse_from(["serve", "--rest-port", "0"])
            .expect("parse the serve defaults")
            .serve;
        args.bind = IpAddr::V4(Ipv4Addr::LOCALHOST);
        args.rest_port = 0;
        args.mcp_port = 0;
        args.mcp_allowed_hosts = self.mcp_allowed_hosts.clone();
        args.mcp_allowed_origins = self.mcp_allowed_origins.clone();
        args.upstream = UpstreamArgs {
            logto_endpoint: Some(self.endpoint.clone()),
            tenant_id: None,
            logto_token: self.logto_token.clone().map(Secret::new),
            m2m_app_id: self.m2m.as_ref().map(|m| m.0.clone()),
            m2m_app_secret: self.m2m.as_ref().map(|m| Secret::new(m.1.clone())),
            m2m_resource: None,
            upstream_timeout: self.upstream_timeout,
        };
        args.auth_token = self.auth_token.clone().map(Secret::new);
        args.allow_unauthenticated = false;
        args.max_body_bytes = self.max_body_bytes;
        args.header_read_timeout = self.header_read_timeout;
        args
    }

    /// The configuration error `serve` reports when `set` changes these options' arguments.
    pub fn config_error(&self, set: &dyn Fn(&mut ServeArgs)) -> String {
        let mut args = self.serve_args();
        set(&mut args);
        match args.validate() {
            Ok(_) => panic!("the configuration is valid"),
            Err(e) => e.to_string(),
        }
    }

    /// The validated configuration, as `serve` would build it.
    pub fn config(&self) -> Config {
        self.serve_args()
            .validate()
            .expect("the test configuration is valid")
    }
}

/// A running in-process gateway. Dropping it shuts it down.
pub struct Gateway {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Gateway {
    pub async fn start(opts: &GatewayOptions) -> Self {
        Self::start_with_config(opts.config()).await
    }

    /// Starts the gateway exactly as `serve` does, on `127.0.0.1:0` instead of `config.rest_addr`.
    pub async fn start_with_config(config: Config) -> Self {
        let clients = server::clients(&config).expect("build the upstream clients");
        let app = server::rest_app(
            clients,
            &config.inbound,
            config.max_body_bytes,
            config.read_only,
        );
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the gateway");
        let addr = listener.local_addr().expect("gateway address");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(
            listener,
            app,
            config.header_read_timeout,
            async {
                let _ = rx.await;
            },
        ));
        Gateway {
            addr,
            url: format!("http://{addr}"),
            config,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// `{url}{path_and_query}`
    pub fn at(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.url)
    }

    /// Shuts down gracefully and returns what `serve` returned.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(t) => tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .expect("the gateway stops within 10 s")
                .expect("the gateway task does not panic"),
            None => Ok(()),
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A running in-process MCP adapter (`server::mcp_app`, streamable HTTP at `/mcp`). Dropping it shuts it down.
pub struct McpGateway {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub config: Config,
    /// Cancelled to shut down, as `serve` does on SIGTERM: it ends the adapter's open streams and starts the
    /// graceful shutdown of the server.
    pub shutdown: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl McpGateway {
    pub async fn start(opts: &GatewayOptions) -> Self {
        Self::start_with_config(opts.config()).await
    }

    /// Starts the MCP adapter exactly as `serve` does, on `127.0.0.1:0` instead of `config.mcp_addr`.
    pub async fn start_with_config(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the MCP adapter");
        Self::start_on(config, listener).await
    }

    /// Starts the MCP adapter exactly as `serve` does, on `listener` (bound beforehand, so that its address can be
    /// configured in Logto, say, before the adapter starts).
    pub async fn start_on(config: Config, listener: TcpListener) -> Self {
        let clients = server::clients(&config).expect("build the upstream clients");
        let shutdown = CancellationToken::new();
        let app = server::mcp_app(
            clients,
            &config.inbound,
            &McpSettings {
                allowed_hosts: config.mcp_allowed_hosts.clone(),
                allowed_origins: config.mcp_allowed_origins.clone(),
                max_body_bytes: config.max_body_bytes,
                shutdown_grace: Duration::from_secs(10),
                fast_lane: config.mcp_fast_lane,
                tools: config.mcp_tools.clone(),
            },
            shutdown.child_token(),
        );
        let addr = listener.local_addr().expect("MCP adapter address");
        let task = tokio::spawn(server::serve(
            listener,
            app,
            config.header_read_timeout,
            shutdown.clone().cancelled_owned(),
        ));
        McpGateway {
            addr,
            url: format!("http://{addr}"),
            config,
            shutdown,
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT/mcp`
    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.url)
    }

    /// Cancels the shutdown token and waits up to `within` for `serve` to return; `None` when it did not.
    pub async fn stop_within(mut self, within: Duration) -> Option<std::io::Result<()>> {
        self.shutdown.cancel();
        let task = self.task.take()?;
        match tokio::time::timeout(within, task).await {
            Ok(r) => Some(r.expect("the MCP adapter task does not panic")),
            Err(_) => None,
        }
    }

    /// Shuts down gracefully (within 10 s) and returns what `serve` returned.
    pub async fn stop(self) -> std::io::Result<()> {
        self.stop_within(Duration::from_secs(10))
            .await
            .expect("the MCP adapter stops within 10 s")
    }
}

impl Drop for McpGateway {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The HTTP client tests call the gateway with (no proxies, no pooling surprises).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("build the test HTTP client")
}
