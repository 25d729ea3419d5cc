//! The gateway end to end, in one test binary: each module is one area, and `support` holds what they share.
//!
//! - `rest_operations`: every exposed REST operation through the in-process gateway to the mock upstream;
//! - `rest_faults`: faults, limits and hostile input on the REST adapter;
//! - `mcp_tools`: the MCP adapter through rmcp's client: every tool, errors, access control, shutdown;
//! - `mcp_fast_lane`: the MCP adapter's fast lane answers as rmcp alone does;
//! - `mcp_python`: the MCP adapter driven by the official MCP Python SDK, over HTTP and stdio;
//! - `binary`: the real `logto-gateway` binary: start-up, every route, SIGTERM, configuration errors;
//! - `prism_conformance`: the requests the gateway sends, checked by Stoplight Prism against Logto's OpenAPI
//!   document;
//! - `real_logto`: every operation against a real Logto OSS server, through both adapters.
//!
//! Run one area with a filter: `cargo test -p e2e-tests --test e2e -- prism_conformance`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod binary;
mod mcp_fast_lane;
mod mcp_python;
mod mcp_tools;
mod oauth_issuer;
mod prism_conformance;
mod real_logto;
mod rest_faults;
mod rest_openapi;
mod rest_operations;
