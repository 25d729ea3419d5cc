"""Connects to the gateway's MCP adapter as an MCP client that implements MCP authorization, with the official MCP
Python SDK's client-credentials provider, and prints what it saw, as JSON.

Usage:
  oauth_check.py --url http://127.0.0.1:PORT/mcp --issuer ISSUER --client-id ID --scope "read write" \
                 --mode auto|legacy --call NAME JSON [--call NAME JSON ...]
  (the client secret is read from the environment variable OAUTH_CLIENT_SECRET)

The SDK is given no token and no authorization server: its first request is answered 401, whose
`WWW-Authenticate` leads it to the gateway's protected-resource metadata, which names the issuer; it reads the
issuer's metadata, asks the token endpoint for a token for the resource the metadata names, and retries.

The report holds the number of tools listed, per call either "result" ({"is_error", "text"}) or "error" (the
exception's type and message), and the scope of the token the SDK ended with. Exit code 0 when the session could
be opened, whatever the calls did.
"""

import argparse
import asyncio
import json
import os

import httpx2
from mcp import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client


class MemoryStorage:
    """Tokens and client information, kept in memory for one run."""

    def __init__(self):
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info):
        self.client_info = client_info


def text(result):
    return "".join(b.text for b in result.content if getattr(b, "type", None) == "text")


async def run(args):
    storage = MemoryStorage()
    provider = ClientCredentialsOAuthProvider(
        server_url=args.url,
        storage=storage,
        client_id=args.client_id,
        client_secret=os.environ["OAUTH_CLIENT_SECRET"],
        scope=args.scope,
        issuer=args.issuer,
    )
    report = {"calls": []}
    async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
        async with Client(streamable_http_client(args.url, http_client=http), mode=args.mode) as client:
            tools = await client.list_tools()
            report["tools"] = len(tools.tools)
            for name, arguments in args.call:
                try:
                    result = await client.call_tool(name, json.loads(arguments))
                    report["calls"].append(
                        {"name": name, "result": {"is_error": bool(result.is_error), "text": text(result)}}
                    )
                except Exception as e:  # noqa: BLE001 - the report says what the SDK raised
                    report["calls"].append({"name": name, "error": f"{type(e).__name__}: {e}"})
    report["token_scope"] = storage.tokens.scope if storage.tokens else None
    print(json.dumps(report))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--scope", required=True)
    p.add_argument("--mode", choices=["auto", "legacy"], default="legacy")
    p.add_argument("--call", nargs=2, action="append", default=[], metavar=("NAME", "JSON"))
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
