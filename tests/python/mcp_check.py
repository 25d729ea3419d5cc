"""Drives the gateway's MCP adapter with the official MCP Python SDK and prints what it saw, as JSON.

Usage:
  mcp_check.py --url http://127.0.0.1:PORT/mcp --mode auto|legacy
  mcp_check.py [--mode auto|legacy] --stdio BINARY [ARG ...]    (environment passed through)

The calls it makes are fixed (see CALLS); the Rust test that runs this script checks the report against the spec
and against what the mock upstream received. Exit code 0 when the session worked, whatever the tool results.

The report holds the mode, the negotiated protocol version (`Client.protocol_version`: "2026-07-28" via
`server/discover` in mode "auto", "2025-11-25" via the `initialize` handshake in mode "legacy"), server info,
instructions, capabilities, the tools, and per call either "result" (the CallToolResult) or "error"
({"code", "message"} of a JSON-RPC error), and "schema_valid": whether the arguments satisfy the tool's listed input
schema, checked with `jsonschema` (null for a tool that is not listed).

The SDK checks a successful result's structured content against the tool's listed output schema and raises when it
does not conform: the script then fails.
"""

import argparse
import asyncio
import json
import os
import sys

import jsonschema
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

CALLS = [
    # A read tool with query parameters, an object-typed one among them.
    ("listapplications", {"page": 2, "page_size": 5, "search_params": {"search.name": "x", "mode.name": "like"}}),
    # A write tool with a body.
    ("createapplication", {"body": {"name": "py-app", "type": "MachineToMachine"}}),
    # A tool with two path parameters.
    ("deleteapplicationrole", {"applicationId": "app-py", "roleId": "role/py"}),
    # A failing call: the mock answers 404 for this id.
    ("getapplication", {"id": "missing"}),
    # An argument error, caught by the gateway.
    ("getapplication", {"id": 5}),
    # A body outside the tool's input schema (`name` is required): refused by the gateway, no upstream request.
    ("createapplication", {"body": {"type": "MachineToMachine"}}),
    # An unknown tool: a JSON-RPC error, reported as "error".
    ("nosuchtool", {}),
]


def dump(obj):
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", by_alias=True, exclude_none=True)
    return obj


async def run(target, mode):
    report = {"mode": mode, "tools": [], "calls": []}
    async with Client(target, mode=mode) as client:
        # The negotiated protocol version: 2026-07-28 via `server/discover` (mode "auto"), 2025-11-25 via the
        # `initialize` handshake (mode "legacy").
        report["protocol_version"] = client.protocol_version
        info = client.server_info
        report["server"] = dump(info) if info is not None else None
        report["instructions"] = client.instructions
        report["capabilities"] = dump(client.server_capabilities)
        tools = await client.list_tools()
        for t in tools.tools:
            report["tools"].append(dump(t))
        report["next_cursor"] = getattr(tools, "next_cursor", None)
        input_schemas = {t.name: t.input_schema for t in tools.tools}
        for name, args in CALLS:
            entry = {"name": name, "arguments": args, "schema_valid": None}
            if name in input_schemas:
                schema = input_schemas[name]
                entry["schema_valid"] = jsonschema.validators.validator_for(schema)(schema).is_valid(args)
            try:
                r = await client.call_tool(name, args)
                entry["result"] = dump(r)
            except MCPError as e:  # a JSON-RPC error (e.g. an unknown tool) is reported, not fatal
                entry["error"] = {"code": e.code, "message": e.message}
            report["calls"].append(entry)
    return report


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url")
    p.add_argument("--mode", default="auto")
    p.add_argument("--stdio", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.stdio:
        target = StdioServerParameters(command=a.stdio[0], args=a.stdio[1:], env=dict(os.environ))
    else:
        target = a.url
    report = asyncio.run(run(target, a.mode))
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
