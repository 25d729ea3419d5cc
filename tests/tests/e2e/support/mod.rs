//! Shared by the test files: the spec reader, MCP checks and the gateway binary.

pub mod bin;
pub mod mcp;
pub mod spec;
