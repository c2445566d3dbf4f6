#!/usr/bin/env python3
"""`holo mcp` on the generated workload: the latency of one `check` and one `test` tool call as
an agent sees it (request written -> response read), on an unchanged package and right after a
one-body edit saved on disk, and the server's memory. Medians of interleaved runs.

Usage: bench/mcp.py HOLO WORKLOAD_DIR [--runs N]
(WORKLOAD_DIR from `holo-bench-gen --lines 100000 --out DIR`; HOLO a release build.)
Speaks JSON-RPC itself (standard library only). Writes a Markdown table on stdout.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from watch import set_variant  # noqa: E402  (the workload's edit, `old + N - N`)


class Mcp:
    """A `holo mcp` process and the client side of its stdio."""

    def __init__(self, holo, cwd, env):
        self.proc = subprocess.Popen(
            [holo, "mcp"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.next_id = 0

    def request(self, method, params):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("holo mcp exited")
        response = json.loads(line)
        if response.get("id") != self.next_id or "error" in response:
            sys.exit(f"unexpected answer: {line}")
        return response["result"]

    def call(self, tool, arguments=None):
        """Calls a tool; returns (seconds, structured result)."""
        t0 = time.perf_counter()
        result = self.request("tools/call", {"name": tool, "arguments": arguments or {}})
        elapsed = time.perf_counter() - t0
        if result["isError"]:
            sys.exit(f"{tool} failed: {result['content'][0]['text']}")
        return elapsed, result["structuredContent"]

    def rss_mib(self):
        """The resident memory of the server process (which hosts the package)."""
        with open(f"/proc/{self.proc.pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def median_ms(samples):
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("holo")
    parser.add_argument("workload_dir")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    holo = os.path.abspath(args.holo)
    work = os.path.join(args.workload_dir, "workload.json")
    root = os.path.join(args.workload_dir, "holo")
    with open(work, encoding="utf-8") as f:
        reaching = json.load(f)["edit"]["tests_reaching"]
    home = tempfile.mkdtemp(prefix="holo-mcp-bench-")
    env = dict(os.environ, HOLO_HOME=home, NO_COLOR="1")
    env.pop("HOLO_DAEMON", None)
    set_variant(work, "holo", root, 0)
    # No daemon runs: the server hosts the package itself, as it does for an agent alone.
    subprocess.run([holo, "daemon", "stop", "-q"], cwd=root, env=env, stdout=subprocess.DEVNULL)

    mcp = Mcp(holo, root, env)
    t0 = time.perf_counter()
    mcp.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                               "clientInfo": {"name": "bench", "version": "1"}})
    mcp.call("check")
    mcp.call("test")
    start_up = time.perf_counter() - t0
    # The first edits also start the workers' compiled code; measured apart from the rest.
    nonce = 1
    for _ in range(3):
        set_variant(work, "holo", root, nonce)
        mcp.call("test")
        nonce += 1

    check_same, test_same, check_edit, test_edit = [], [], [], []
    ran_after_edit = set()
    for _ in range(args.runs):
        check_same.append(mcp.call("check")[0])
        test_same.append(mcp.call("test")[0])
        set_variant(work, "holo", root, nonce)
        nonce += 1
        check_edit.append(mcp.call("check")[0])
        set_variant(work, "holo", root, nonce)
        nonce += 1
        elapsed, tested = mcp.call("test")
        test_edit.append(elapsed)
        ran_after_edit.add(sum(1 for t in tested["tests"] if not t["cached"]))
    rss = mcp.rss_mib()
    mcp.stop()
    set_variant(work, "holo", root, 0)

    print(f"`holo mcp` on {root} ({args.runs} runs, medians; {reaching} tests reach the edited function)")
    print()
    print("| tool call | median | min | max |")
    print("|---|---|---|---|")
    for name, samples in [
        ("`check`, nothing changed", check_same),
        ("`test` (affected), nothing changed", test_same),
        ("`check` after a one-body edit saved", check_edit),
        (f"`test` (affected) after a one-body edit saved ({'/'.join(map(str, sorted(ran_after_edit)))} ran)", test_edit),
    ]:
        print(f"| {name} | {median_ms(samples):.1f} ms | {min(samples) * 1000:.1f} ms | {max(samples) * 1000:.1f} ms |")
    print()
    print(f"Start-up (initialize, first `check`, first `test` of every test): {start_up:.2f} s; "
          f"server RSS at the end: {rss:.0f} MiB.")


if __name__ == "__main__":
    main()
