//! Start-up configuration: every flag has an environment twin. Validation happens before anything listens; a bad
//! configuration is one line naming the flag and its variable.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Args;

use crate::generated::client::{LOGTO_BASE_URI, LOGTO_BASE_URI_PLACEHOLDERS};
use crate::generated::mcp::{LOGTO_MCP_PORT, LOGTO_MCP_TOOLS, LOGTO_MCP_TOOLSETS};
use crate::generated::rest::LOGTO_REST_PORT;
use naftiko_runtime::client::{Auth, ClientCredentials, Secret, TransportConfig};
use naftiko_runtime::mcp::Selection;
use naftiko_runtime::oauth::{OAuthConfig, ResourceServer};

/// `logto-gateway serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address the adapters bind to. Anything but loopback requires --auth-token or --oauth-issuer (or
    /// --allow-unauthenticated).
    #[arg(long, env = "GATEWAY_BIND", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,

    /// Port of the REST adapter (the spec's port by default).
    #[arg(long, env = "GATEWAY_REST_PORT", default_value_t = LOGTO_REST_PORT)]
    pub rest_port: u16,

    /// Port of the MCP adapter (streamable HTTP at `/mcp`; the spec's port by default).
    #[arg(long, env = "GATEWAY_MCP_PORT", default_value_t = LOGTO_MCP_PORT.unwrap_or(9090))]
    pub mcp_port: u16,

    /// `Host` values the MCP adapter accepts besides loopback (`localhost`, `127.0.0.1`, `::1`): the names it is
    /// reached by behind a proxy, as `host` or `host:port`. Repeat, or separate with commas.
    #[arg(
        long = "mcp-allowed-host",
        env = "GATEWAY_MCP_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub mcp_allowed_hosts: Vec<String>,

    /// Browser origins allowed to call the MCP adapter (`scheme://host:port`, `:*` for any port). A request with any
    /// other `Origin` is refused (MCP's guard against DNS rebinding); requests without `Origin` pass.
    #[arg(
        long = "mcp-allowed-origin",
        env = "GATEWAY_MCP_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub mcp_allowed_origins: Vec<String>,

    #[command(flatten)]
    pub upstream: UpstreamArgs,

    /// Bearer token every adapter request must carry (`Authorization: Bearer …`). Not with --oauth-issuer.
    #[arg(long, env = "GATEWAY_AUTH_TOKEN", hide_env_values = true, value_parser = secret)]
    pub auth_token: Option<Secret>,

    #[command(flatten)]
    pub oauth: OAuthArgs,

    /// Serve without inbound authentication on a non-loopback address.
    #[arg(long, env = "GATEWAY_ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,

    /// Worker threads, each with its own runtime, listeners and upstream connections [default: one per CPU].
    #[arg(long, env = "GATEWAY_WORKERS")]
    pub workers: Option<usize>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GATEWAY_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds a client has to send a request's headers (HTTP/1), counted from the end of its previous request on a
    /// kept-alive connection: a connection that sends no complete head in time is closed.
    #[arg(long, env = "GATEWAY_HEADER_READ_TIMEOUT", default_value_t = 30.0)]
    pub header_read_timeout: f64,

    /// Answer plain `tools/call` requests in the MCP adapter's fast lane, without a per-request rmcp service; `false`
    /// leaves every request to rmcp (the same answers, at a higher cost per call).
    #[arg(long, env = "GATEWAY_MCP_FAST_LANE", default_value_t = true, action = clap::ArgAction::Set)]
    pub mcp_fast_lane: bool,

    /// Record metrics and serve them at `GET /metrics` on the REST port (Prometheus text format, behind the same
    /// inbound authentication as the adapters); `false` records nothing and serves no `/metrics`.
    #[arg(long, env = "GATEWAY_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,

    #[command(flatten)]
    pub select: ToolArgs,
}

/// Which MCP tools are served (and, with `--read-only`, which REST routes): `serve` and `mcp-stdio` take them alike.
#[derive(Debug, Clone, Args)]
pub struct ToolArgs {
    /// MCP tools to serve, by name, comma-separated; `*` matches any run of characters (`get*,*role*`). Default:
    /// every tool (of the chosen toolsets).
    #[arg(long, env = "GATEWAY_TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,

    /// MCP tools not to serve, by name or pattern, comma-separated (`delete*`).
    #[arg(long, env = "GATEWAY_EXCLUDE_TOOLS", value_delimiter = ',')]
    pub exclude_tools: Vec<String>,

    /// MCP toolsets to serve, comma-separated: applications, configs, connectors, connector-factories, resources
    /// (each the Management API path its tools call: `/api/applications/…`). Default: every toolset.
    #[arg(long, env = "GATEWAY_TOOLSETS", value_delimiter = ',')]
    pub toolsets: Vec<String>,

    /// Serve only what reads: the MCP tools whose hints say read-only, and the REST adapter's GET routes (any other
    /// method is answered 403).
    #[arg(long, env = "GATEWAY_READ_ONLY")]
    pub read_only: bool,
}

/// The adapters as an OAuth 2.1 protected resource: callers bring access tokens a Logto tenant issued for an API
/// resource of its own.
#[derive(Debug, Clone, Args)]
pub struct OAuthArgs {
    /// OIDC issuer whose access tokens callers bring (`https://<tenant>.logto.app/oidc`; discovery at
    /// `<issuer>/.well-known/openid-configuration`). Requires --oauth-audience; not with --auth-token.
    #[arg(long, env = "GATEWAY_OAUTH_ISSUER")]
    pub oauth_issuer: Option<String>,

    /// API resource indicator tokens must be issued for (their `aud`): best the gateway's public MCP URL,
    /// `https://gateway.example.com/mcp`, which MCP clients ask tokens for.
    #[arg(long, env = "GATEWAY_OAUTH_AUDIENCE")]
    pub oauth_audience: Option<String>,

    /// Scope that reads need: REST GET routes, read-only MCP tools, listing tools.
    #[arg(long, env = "GATEWAY_OAUTH_READ_SCOPE", default_value = "read")]
    pub oauth_read_scope: String,

    /// Scope that everything else needs: REST routes of other methods, MCP tools that write.
    #[arg(long, env = "GATEWAY_OAUTH_WRITE_SCOPE", default_value = "write")]
    pub oauth_write_scope: String,

    /// Seconds a token's `exp` and `nbf` may be off the gateway's clock.
    #[arg(long, env = "GATEWAY_OAUTH_CLOCK_SKEW", default_value_t = 30)]
    pub oauth_clock_skew: u64,
}

/// How callers of the adapters authenticate.
#[derive(Debug, Clone, Default)]
pub enum Inbound {
    /// Anyone may call (loopback, or `--allow-unauthenticated`).
    #[default]
    Open,
    /// `Authorization: Bearer <--auth-token>`.
    Token(Secret),
    /// Access tokens of an OAuth issuer (`--oauth-issuer`).
    OAuth(std::sync::Arc<ResourceServer>),
}

impl Inbound {
    /// The static token, with `--auth-token`.
    pub fn token(&self) -> Option<&Secret> {
        match self {
            Inbound::Token(t) => Some(t),
            _ => None,
        }
    }

    /// Whether callers must authenticate.
    pub fn is_required(&self) -> bool {
        !matches!(self, Inbound::Open)
    }
}

/// How to reach and authenticate to Logto.
#[derive(Debug, Clone, Args)]
pub struct UpstreamArgs {
    /// Logto endpoint (self-hosted Logto, or a stand-in); overrides the spec's `https://[tenant_id].logto.app`.
    #[arg(long, env = "LOGTO_ENDPOINT")]
    pub logto_endpoint: Option<String>,

    /// Logto Cloud tenant id: fills `[tenant_id]` in `https://[tenant_id].logto.app`.
    #[arg(long, env = "LOGTO_TENANT_ID")]
    pub tenant_id: Option<String>,

    /// Management API access token (the spec's `{{LOGTO_TOKEN}}` binding).
    #[arg(long, env = "LOGTO_TOKEN", hide_env_values = true, value_parser = secret)]
    pub logto_token: Option<Secret>,

    /// Machine-to-machine app id: tokens are fetched from `{endpoint}/oidc/token` and refreshed.
    #[arg(long, env = "LOGTO_M2M_APP_ID")]
    pub m2m_app_id: Option<String>,

    /// Machine-to-machine app secret.
    #[arg(long, env = "LOGTO_M2M_APP_SECRET", hide_env_values = true, value_parser = secret)]
    pub m2m_app_secret: Option<Secret>,

    /// API resource indicator for M2M tokens [default: https://<tenant>.logto.app/api on Logto Cloud,
    /// https://default.logto.app/api with --logto-endpoint].
    #[arg(long, env = "LOGTO_M2M_RESOURCE")]
    pub m2m_resource: Option<String>,

    /// Seconds allowed for one upstream exchange.
    #[arg(long, env = "GATEWAY_UPSTREAM_TIMEOUT", default_value_t = 30.0)]
    pub upstream_timeout: f64,
}

/// A configuration error: one line, naming the flag and its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub workers: usize,
    pub rest_addr: SocketAddr,
    pub mcp_addr: SocketAddr,
    pub mcp_allowed_hosts: Vec<String>,
    pub mcp_allowed_origins: Vec<String>,
    pub transport: TransportConfig,
    /// How callers authenticate.
    pub inbound: Inbound,
    pub max_body_bytes: usize,
    pub header_read_timeout: Duration,
    pub mcp_fast_lane: bool,
    /// The MCP tools served.
    pub mcp_tools: std::sync::Arc<Selection>,
    /// Only reads are served (`--read-only`).
    pub read_only: bool,
    pub metrics: bool,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An allowed origin as browsers send it: `scheme://host:port`. Without a port, the scheme's default port is meant
/// (as in a browser's `Origin`), never "any port"; `:*` says any port.
fn normalize_origin(o: &str) -> Option<String> {
    if o == "null" {
        return Some(o.to_owned());
    }
    let (scheme, rest) = o.split_once("://")?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    // `[v6]`, `[v6]:port`, `host`, `host:port`, `host:*`.
    let has_port = match rest.rfind(']') {
        Some(i) => rest[i + 1..].starts_with(':'),
        None => rest.contains(':'),
    };
    Some(if has_port {
        format!("{scheme}://{rest}")
    } else {
        format!("{scheme}://{rest}:{default_port}")
    })
}

/// Secrets are held as [`Secret`] from the moment they are parsed, so that no `Debug` output shows them.
fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s.trim()))
}

fn nonempty_secret(v: &Option<Secret>) -> Option<&Secret> {
    v.as_ref().filter(|s| !s.expose().is_empty())
}

impl UpstreamArgs {
    /// The transport configuration: base URL and upstream authentication.
    pub fn transport(&self) -> Result<TransportConfig, ConfigError> {
        let tenant = nonempty(&self.tenant_id);
        if let Some(t) = tenant
            && !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ConfigError(
                "--tenant-id (LOGTO_TENANT_ID) may hold only letters, digits and `-`".into(),
            ));
        }
        let base_url = match (nonempty(&self.logto_endpoint), tenant) {
            (Some(e), _) => {
                let url = reqwest::Url::parse(e).map_err(|err| {
                    ConfigError(format!(
                        "--logto-endpoint (LOGTO_ENDPOINT) is not a URL: {err}"
                    ))
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
                    return Err(ConfigError(
                        "--logto-endpoint (LOGTO_ENDPOINT) must be an http(s) URL without a query"
                            .into(),
                    ));
                }
                e.trim_end_matches('/').to_owned()
            }
            (None, Some(t)) => {
                let mut base = LOGTO_BASE_URI.to_owned();
                for p in LOGTO_BASE_URI_PLACEHOLDERS {
                    base = base.replace(&format!("[{p}]"), t);
                }
                base
            }
            (None, None) => {
                return Err(ConfigError(
                    "no Logto endpoint: set --tenant-id (LOGTO_TENANT_ID) for Logto Cloud, or --logto-endpoint (LOGTO_ENDPOINT)"
                        .into(),
                ));
            }
        };
        let token = nonempty_secret(&self.logto_token);
        let m2m = (
            nonempty(&self.m2m_app_id),
            nonempty_secret(&self.m2m_app_secret),
        );
        let auth = match (token, m2m) {
            (Some(_), (Some(_), _) | (_, Some(_))) => {
                return Err(ConfigError(
                    "both --logto-token (LOGTO_TOKEN) and machine-to-machine credentials (LOGTO_M2M_APP_ID/LOGTO_M2M_APP_SECRET) are set; choose one".into(),
                ));
            }
            (Some(t), _) => Auth::Bearer(t.clone()),
            (None, (Some(id), Some(secret))) => {
                let resource = match (
                    nonempty(&self.m2m_resource),
                    nonempty(&self.logto_endpoint),
                    tenant,
                ) {
                    (Some(r), _, _) => r.to_owned(),
                    (None, None, Some(t)) => format!("https://{t}.logto.app/api"),
                    (None, _, _) => "https://default.logto.app/api".to_owned(),
                };
                Auth::ClientCredentials(ClientCredentials {
                    token_url: format!("{base_url}/oidc/token"),
                    client_id: id.to_owned(),
                    client_secret: secret.clone(),
                    resource: Some(resource),
                    scope: Some("all".into()),
                    refresh_margin: Duration::from_secs(60),
                })
            }
            (None, (Some(_), None)) => {
                return Err(ConfigError(
                    "--m2m-app-id (LOGTO_M2M_APP_ID) is set but --m2m-app-secret (LOGTO_M2M_APP_SECRET) is not".into(),
                ));
            }
            (None, (None, Some(_))) => {
                return Err(ConfigError(
                    "--m2m-app-secret (LOGTO_M2M_APP_SECRET) is set but --m2m-app-id (LOGTO_M2M_APP_ID) is not".into(),
                ));
            }
            (None, (None, None)) => {
                return Err(ConfigError(
                    "no Logto credentials: set --logto-token (LOGTO_TOKEN), or --m2m-app-id and --m2m-app-secret (LOGTO_M2M_APP_ID, LOGTO_M2M_APP_SECRET)".into(),
                ));
            }
        };
        let mut t = TransportConfig::new(base_url, auth);
        t.timeout = seconds(
            self.upstream_timeout,
            "--upstream-timeout (GATEWAY_UPSTREAM_TIMEOUT)",
        )?;
        t.connect_timeout = t.connect_timeout.min(t.timeout);
        Ok(t)
    }
}

impl ServeArgs {
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let transport = self.upstream.transport()?;
        let auth_token = nonempty_secret(&self.auth_token).cloned();
        let inbound = match (auth_token, self.oauth.resource_server(&transport)?) {
            (Some(_), Some(_)) => {
                return Err(ConfigError(
                    "both --auth-token (GATEWAY_AUTH_TOKEN) and --oauth-issuer (GATEWAY_OAUTH_ISSUER) are set; choose one".into(),
                ));
            }
            (Some(t), None) => Inbound::Token(t),
            (None, Some(server)) => Inbound::OAuth(std::sync::Arc::new(server)),
            (None, None) => Inbound::Open,
        };
        if !inbound.is_required() && !self.bind.is_loopback() && !self.allow_unauthenticated {
            return Err(ConfigError(format!(
                "refusing to serve without inbound authentication on {}: set --auth-token (GATEWAY_AUTH_TOKEN) or --oauth-issuer (GATEWAY_OAUTH_ISSUER), or --allow-unauthenticated (GATEWAY_ALLOW_UNAUTHENTICATED)",
                self.bind
            )));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError(
                "--max-body-bytes (GATEWAY_MAX_BODY_BYTES) must be positive".into(),
            ));
        }
        let header_read_timeout = seconds(
            self.header_read_timeout,
            "--header-read-timeout (GATEWAY_HEADER_READ_TIMEOUT)",
        )?;
        if self.rest_port == self.mcp_port && self.rest_port != 0 {
            return Err(ConfigError(format!(
                "--rest-port (GATEWAY_REST_PORT) and --mcp-port (GATEWAY_MCP_PORT) are both {}",
                self.rest_port
            )));
        }
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        hosts.extend(
            self.mcp_allowed_hosts
                .iter()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty()),
        );
        let mut origins = Vec::new();
        for o in &self.mcp_allowed_origins {
            origins.push(normalize_origin(o.trim()).ok_or_else(|| {
                ConfigError(format!(
                    "--mcp-allowed-origin (GATEWAY_MCP_ALLOWED_ORIGINS): `{o}` must be `http(s)://host[:port]` (`:*` for any port) or `null`"
                ))
            })?);
        }
        let workers = match self.workers {
            Some(0) => {
                return Err(ConfigError(
                    "--workers (GATEWAY_WORKERS) must be at least 1".into(),
                ));
            }
            Some(n) if n > 1024 => {
                return Err(ConfigError(
                    "--workers (GATEWAY_WORKERS) must be at most 1024".into(),
                ));
            }
            Some(n) => n,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        };
        let mcp_tools = std::sync::Arc::new(self.select.selection()?);
        Ok(Config {
            workers,
            rest_addr: SocketAddr::new(self.bind, self.rest_port),
            mcp_addr: SocketAddr::new(self.bind, self.mcp_port),
            mcp_allowed_hosts: hosts,
            mcp_allowed_origins: origins,
            transport,
            inbound,
            max_body_bytes: self.max_body_bytes,
            header_read_timeout,
            mcp_fast_lane: self.mcp_fast_lane,
            mcp_tools,
            read_only: self.select.read_only,
            metrics: self.metrics,
        })
    }
}

impl OAuthArgs {
    /// The resource server these flags describe; `None` without `--oauth-issuer`.
    pub fn resource_server(
        &self,
        transport: &TransportConfig,
    ) -> Result<Option<ResourceServer>, ConfigError> {
        let (issuer, audience) = (nonempty(&self.oauth_issuer), nonempty(&self.oauth_audience));
        let (issuer, audience) = match (issuer, audience) {
            (None, None) => return Ok(None),
            (Some(i), Some(a)) => (i, a),
            (Some(_), None) => {
                return Err(ConfigError(
                    "--oauth-issuer (GATEWAY_OAUTH_ISSUER) needs --oauth-audience (GATEWAY_OAUTH_AUDIENCE): the API resource tokens are issued for".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError(
                    "--oauth-audience (GATEWAY_OAUTH_AUDIENCE) is set but --oauth-issuer (GATEWAY_OAUTH_ISSUER) is not".into(),
                ));
            }
        };
        if self.oauth_clock_skew > 600 {
            return Err(ConfigError(
                "--oauth-clock-skew (GATEWAY_OAUTH_CLOCK_SKEW) must be at most 600 seconds".into(),
            ));
        }
        ResourceServer::new(OAuthConfig {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            read_scope: self.oauth_read_scope.trim().to_owned(),
            write_scope: self.oauth_write_scope.trim().to_owned(),
            clock_skew: Duration::from_secs(self.oauth_clock_skew),
            timeout: transport.timeout.min(Duration::from_secs(10)),
        })
        .map(Some)
        .map_err(|e| {
            ConfigError(format!(
                "--oauth-issuer, --oauth-audience, --oauth-read-scope, --oauth-write-scope: {}",
                e.to_string()
                    .trim_start_matches("invalid client configuration: ")
            ))
        })
    }
}

impl ToolArgs {
    /// The MCP tools `--tools`, `--exclude-tools`, `--toolsets` and `--read-only` choose. A toolset the spec does not
    /// have, a name or pattern that matches no tool, and a choice of no tool at all are errors.
    pub fn selection(&self) -> Result<Selection, ConfigError> {
        let trimmed = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let (tools, exclude, toolsets) = (
            trimmed(&self.tools),
            trimmed(&self.exclude_tools),
            trimmed(&self.toolsets),
        );
        if let Some(t) = toolsets
            .iter()
            .find(|t| !LOGTO_MCP_TOOLSETS.contains(&t.as_str()))
        {
            return Err(ConfigError(format!(
                "--toolsets (GATEWAY_TOOLSETS): `{t}` is not a toolset (toolsets: {})",
                LOGTO_MCP_TOOLSETS.join(", ")
            )));
        }
        for (flag, patterns) in [
            ("--tools (GATEWAY_TOOLS)", &tools),
            ("--exclude-tools (GATEWAY_EXCLUDE_TOOLS)", &exclude),
        ] {
            for p in patterns {
                let one = Selection::new(std::slice::from_ref(p), &[], &[], false)
                    .map_err(|e| ConfigError(format!("{flag}: {e}")))?;
                if !LOGTO_MCP_TOOLS.iter().any(|d| one.serves(d)) {
                    return Err(ConfigError(format!("{flag}: `{p}` names no tool")));
                }
            }
        }
        let selection = Selection::new(&tools, &exclude, &toolsets, self.read_only)
            .map_err(|e| ConfigError(format!("--tools (GATEWAY_TOOLS): {e}")))?;
        if !LOGTO_MCP_TOOLS.iter().any(|d| selection.serves(d)) {
            return Err(ConfigError(
                "--tools, --exclude-tools, --toolsets and --read-only together select no tool"
                    .into(),
            ));
        }
        Ok(selection)
    }
}

/// A duration given in seconds: a number in (0, 3600].
fn seconds(value: f64, flag: &str) -> Result<Duration, ConfigError> {
    if value.is_finite() && value > 0.0 && value <= 3600.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(ConfigError(format!(
            "{flag} must be a number of seconds in (0, 3600]"
        )))
    }
}
