"""Lends the official MCP Python SDK's client to a test: one JSON object a line in, one a line out.

Usage:
  mcp_bridge.py --url http://127.0.0.1:PORT/mcp [--mode auto|legacy]

Once connected it prints {"ready": true, "protocol_version": ..., "tools": [names]}. Then, for every line read from
standard input ({"name": TOOL, "arguments": {...}}), it calls the tool and prints {"result": CallToolResult} or, for a
JSON-RPC error, {"error": {"code", "message"}}. It ends at the end of its input.
"""

import argparse
import asyncio
import json
import sys

from mcp import Client
from mcp.shared.exceptions import MCPError


def dump(obj):
    return obj.model_dump(mode="json", by_alias=True, exclude_none=True)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def serve(url, mode):
    loop = asyncio.get_running_loop()
    async with Client(url, mode=mode) as client:
        tools = await client.list_tools()
        emit({"ready": True, "protocol_version": client.protocol_version, "tools": [t.name for t in tools.tools]})
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            call = json.loads(line)
            try:
                result = await client.call_tool(call["name"], call.get("arguments", {}))
                emit({"result": dump(result)})
            except MCPError as e:
                emit({"error": {"code": e.code, "message": e.message}})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--mode", default="auto")
    a = p.parse_args()
    asyncio.run(serve(a.url, a.mode))


if __name__ == "__main__":
    main()
