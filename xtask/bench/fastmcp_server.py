"""FastMCP peer for `cargo xtask bench`.

Serves every operation of an OpenAPI document as MCP tools
(`FastMCP.from_openapi`) over streamable HTTP at /mcp, stateless, with JSON
responses, calling the upstream with `Authorization: Bearer <token>`.

    python fastmcp_server.py --doc DOC --upstream http://127.0.0.1:PORT --port PORT
"""

import argparse
import json

import httpx2
from fastmcp import FastMCP


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--doc", required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--token", default="t")
    a = p.parse_args()

    with open(a.doc, encoding="utf-8") as f:
        spec = json.load(f)
    client = httpx2.AsyncClient(
        base_url=a.upstream,
        headers={"Authorization": f"Bearer {a.token}"},
        timeout=30.0,
    )
    mcp = FastMCP.from_openapi(openapi_spec=spec, client=client, name="logto")
    mcp.run(
        transport="http",
        host=a.host,
        port=a.port,
        path="/mcp",
        stateless_http=True,
        json_response=True,
        show_banner=False,
        log_level="WARNING",
        uvicorn_config={"access_log": False},
    )


if __name__ == "__main__":
    main()
