// The modules build.rs generated from spec.yaml: `client`, and `rest` and `mcp` for the spec's adapters.
naftiko_runtime::include_generated!();
