//! Shared by the test files: the spec reader, MCP checks and the gateway binary.
#![allow(dead_code)]

pub mod bin;
pub mod mcp;
pub mod spec;
