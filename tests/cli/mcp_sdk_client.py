"""The official MCP Python SDK's stdio client driving `holo mcp` (run by tests/cli/mcp.rs).

Usage: mcp_sdk_client.py HOLO_BIN PACKAGE_DIR. Initializes, lists the tools, calls `check`,
`test` and `run` (and `run` on a package that does not compile), and validates every structured
result against the tool's output schema with jsonschema. Prints one line per step; exits non-zero
on the first surprise.
"""

import asyncio
import pathlib
import sys

import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def field(obj, *names):
    """A result's field under the SDK's Python name or its wire name (SDK 1.x and 2.x differ)."""
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    raise AttributeError(names[0])


async def main(holo, package):
    params = StdioServerParameters(command=holo, args=["mcp"], cwd=package)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            info = field(init, "server_info", "serverInfo")
            print("server", info.name, field(init, "protocol_version", "protocolVersion"))

            listed = await session.list_tools()
            schemas = {t.name: field(t, "output_schema", "outputSchema") for t in listed.tools}
            print("tools", " ".join(t.name for t in listed.tools))

            def structured(name, result):
                assert not field(result, "is_error", "isError"), result
                value = field(result, "structured_content", "structuredContent")
                jsonschema.validate(value, schemas[name], cls=jsonschema.Draft202012Validator)
                return value

            checked = structured("check", await session.call_tool("check", {}))
            print(f"check ok={checked['ok']} errors={checked['errors']}")

            tested = structured("test", await session.call_tool("test", {"all": True}))
            print(f"test passed={tested['passed']} failed={tested['failed']}")
            for t in tested["tests"]:
                if t["failure"]:
                    print("test failure", t["name"], t["failure"]["left"], t["failure"]["right"])

            ran = structured("run", await session.call_tool("run", {"args": ["a"], "stdin": "sdk\n"}))
            print(f"run exit_code={ran['exit_code']} stdout={ran['stdout']!r}")

            main_file = pathlib.Path(package, "src", "main.holo")
            main_file.write_text(main_file.read_text().replace("a + b", 'a + "b"'))
            broken = await session.call_tool("run", {})
            print(f"run compile error isError={field(broken, 'is_error', 'isError')}")
            print("valid")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
