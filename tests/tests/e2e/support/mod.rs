//! Shared by the test modules: the spec reader, MCP checks, the gateway binary and child processes.

pub mod bin;
pub mod mcp;
pub mod process;
pub mod spec;

/// A port on 127.0.0.1 that nothing listens on (bound, then released): for a server to listen on, or for an address
/// that refuses connections.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a probe port")
        .local_addr()
        .expect("probe address")
        .port()
}
