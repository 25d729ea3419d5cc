//! Runtime support for the code `naftiko-codegen` generates from a Naftiko capability spec.
//!
//! Generated code names this crate (`::naftiko_runtime::…` by default; `naftiko_codegen::Config::runtime_path`
//! chooses another path) and holds only what depends on the spec: operations, routes, tools. What does not — the
//! transport, request building, errors, query parsing, the mapping of upstream answers to HTTP responses and tool
//! results — is here, compiled and tested once.
//!
//! - [`client`] (feature `client`, on by default): the connection-pooled upstream transport, authentication (bearer,
//!   HTTP Basic, API keys, OAuth 2.0 client credentials), path and query building, responses and errors.
//! - [`rest`] (feature `rest`): support for generated axum REST adapters.
//! - [`inbound`] (feature `inbound`, part of `rest` and `mcp-http`): the inbound authentication of an adapter served
//!   over HTTP.
//! - [`shape`] (feature `client`): building shaped outputs from an upstream's JSON body.
//! - [`mcp`] (feature `mcp`): support for generated rmcp MCP adapters.
//! - [`include_generated!`]: the modules a build script generated into `$OUT_DIR`, in place.

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "inbound")]
pub mod inbound;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(feature = "oauth")]
pub mod oauth;
#[cfg(feature = "inbound")]
pub mod problem;
#[cfg(feature = "rest")]
pub mod rest;
#[cfg(feature = "client")]
pub mod shape;

/// Includes the modules a build script generated with `naftiko_codegen::Config::write`: `client`, and `rest` and `mcp`
/// when the spec exposes them, in place, as items of the module it is written in.
///
/// `include_generated!()` includes `$OUT_DIR/naftiko.rs`, the file a build script writes by default;
/// `include_generated!("NAME")` includes `$OUT_DIR/NAME.rs`, written with
/// `Config::layout(Layout::Inline("NAME".into()))` (one name per spec, when a crate compiles several).
///
/// ```ignore
/// // build.rs: naftiko_codegen::Config::new("spec.yaml").write()?;
/// naftiko_runtime::include_generated!();
/// ```
#[macro_export]
macro_rules! include_generated {
    () => {
        $crate::include_generated!("naftiko");
    };
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}
