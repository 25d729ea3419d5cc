//! Runtime support for the code `naftiko-codegen` generates from a Naftiko capability spec.
//!
//! Generated code names this crate (`::naftiko_runtime::…` by default; `naftiko_codegen::Config::runtime_path`
//! chooses another path) and holds only what depends on the spec: operations, routes, tools. What does not — the
//! transport, request building, errors, query parsing, the mapping of upstream answers to HTTP responses and tool
//! results — is here, compiled and tested once.
//!
//! - [`client`] (feature `client`, on by default): the connection-pooled upstream transport, authentication (bearer,
//!   OAuth 2.0 client credentials), path and query building, responses and errors.
//! - [`rest`] (feature `rest`): support for generated axum REST adapters.
//! - [`mcp`] (feature `mcp`): support for generated rmcp MCP adapters.

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(feature = "rest")]
pub mod rest;
