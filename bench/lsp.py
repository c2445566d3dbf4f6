#!/usr/bin/env python3
"""The language server on the generated workload: `didChange` of one body -> the file's
`publishDiagnostics`, hover / definition / completion, save -> a failing test's diagnostic and
back, the server's memory; and `cargo check` after the same edit on the Rust version (what an
editor's check-on-save runs for Rust). Medians (p50) of one run; a Markdown table on stdout.

Usage: bench/lsp.py HOLO WORKLOAD_DIR [--runs N] [--skip-cargo]
(WORKLOAD_DIR from `holo-bench-gen --lines 100000 --out DIR`; HOLO a release build.)
"""

import argparse
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import measure  # noqa: E402  (the workload's edit, shared with the other benchmarks)
from watch import set_variant  # noqa: E402


class Client:
    """A minimal LSP client over the server's stdio."""

    def __init__(self, cmd, cwd, env):
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(os.environ["LSP_BENCH_LOG"], "w") if "LSP_BENCH_LOG" in os.environ
            else subprocess.DEVNULL,
        )
        self.inbox = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    length = int(line.split(b":")[1])
            self.inbox.put(json.loads(out.read(length)))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)

    def wait(self, pred, timeout=120):
        deadline = time.perf_counter() + timeout
        while True:
            message = self.inbox.get(timeout=max(0.0, deadline - time.perf_counter()))
            if message is None:
                sys.exit("the language server exited")
            if pred(message):
                return message

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=30)


def uri_of(path):
    return "file://" + path


def median_ms(samples):
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("holo")
    parser.add_argument("workload_dir")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--skip-cargo", action="store_true")
    args = parser.parse_args()
    holo = os.path.abspath(args.holo)
    work = os.path.join(args.workload_dir, "workload.json")
    root = os.path.abspath(os.path.join(args.workload_dir, "holo"))
    rust = os.path.join(args.workload_dir, "rust")
    home = tempfile.mkdtemp(prefix="holo-lsp-bench-")
    env = dict(os.environ, HOLO_HOME=home, NO_COLOR="1")
    set_variant(work, "holo", root, 0)
    # The tests' results are recorded: the server's first run reports them from the record.
    subprocess.run([holo, "test", "-q"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)

    edit = measure.load_edit(work, "holo")
    path = os.path.join(root, edit["file"])
    uri = uri_of(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    anchor = next(i for i, line in enumerate(lines) if edit["anchor"] in line)
    edited = next(i for i in range(anchor, len(lines)) if lines[i] == edit["old"])

    t0 = time.perf_counter()
    lsp = Client([holo, "lsp"], root, env)
    lsp.request("initialize", {
        "processId": os.getpid(), "rootUri": uri_of(root), "capabilities": {},
        "workspaceFolders": [{"uri": uri_of(root), "name": "bench"}],
    })
    lsp.notify("initialized", {})
    # Answered after the first check and test run (one thread, in order).
    lsp.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    startup = time.perf_counter() - t0

    version = 1
    lsp.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "holo", "version": version, "text": text}})

    def published(v, test_failure=None):
        def pred(m):
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            p = m["params"]
            if p["uri"] != uri or (v is not None and p.get("version") != v):
                return False
            if test_failure is None:
                return True
            failing = any(d.get("source") == "holo test" for d in p["diagnostics"])
            return failing == test_failure
        return pred

    lsp.wait(published(version))

    def change_line(new_line):
        nonlocal version
        version += 1
        old_len = len(lines[edited])
        lsp.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{
                "range": {"start": {"line": edited, "character": 0},
                          "end": {"line": edited, "character": old_len}},
                "text": new_line,
            }],
        })
        lines[edited] = new_line
        return version

    # didChange of one body -> its publish (each a body not seen before).
    changes = []
    for nonce in range(1, args.runs + 1):
        t0 = time.perf_counter()
        v = change_line(f"{edit['old']} + {nonce} - {nonce}")
        message = lsp.wait(published(v))
        changes.append(time.perf_counter() - t0)
        if message["params"]["diagnostics"]:
            sys.exit(f"the edit produced diagnostics: {message['params']['diagnostics']}")
    first_change, changes = changes[0], changes[1:]

    # Requests at a call in the edited file: hover and definition on its name, completion
    # after its first letter.
    call = next(
        (i, m.start(1)) for i, line in enumerate(lines)
        for m in re.finditer(r"(?<!fn )\b(f\d+)\(", line) if i > anchor
    )
    position = {"line": call[0], "character": call[1] + 1}
    at = {"textDocument": {"uri": uri}, "position": position}
    timings = {"hover": [], "definition": [], "completion": []}
    answers = {}
    for _ in range(args.runs):
        for name, method in [("hover", "textDocument/hover"),
                             ("definition", "textDocument/definition"),
                             ("completion", "textDocument/completion")]:
            t0 = time.perf_counter()
            answers[name] = lsp.request(method, at).get("result")
            timings[name].append(time.perf_counter() - t0)
    if not answers["hover"] or not answers["definition"] or not answers["completion"]:
        sys.exit(f"an empty answer at {position}: {answers}")

    # Save -> the failing test's diagnostic, and save -> gone again.
    failing, passing = [], []
    good = lines[edited]
    for _ in range(max(3, args.runs // 3)):
        for new_line, samples, expect in [(f"{edit['old']} + 1", failing, True),
                                          (good, passing, False)]:
            change_line(new_line)
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            t0 = time.perf_counter()
            lsp.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
            lsp.wait(published(None, test_failure=expect))
            samples.append(time.perf_counter() - t0)
    rss = lsp.rss_mb()
    lsp.stop()
    set_variant(work, "holo", root, 0)

    cargo = []
    if not args.skip_cargo:
        subprocess.run(["cargo", "check", "-q"], cwd=rust, check=True, capture_output=True)
        for nonce in range(1, min(args.runs, 7) + 1):
            set_variant(work, "rust", rust, nonce)
            t0 = time.perf_counter()
            subprocess.run(["cargo", "check", "-q"], cwd=rust, check=True, capture_output=True)
            cargo.append(time.perf_counter() - t0)
        set_variant(work, "rust", rust, 0)

    change_ms = median_ms(changes)
    print(f"`holo lsp` on {args.workload_dir} ({len(text.splitlines())}-line file edited), "
          f"p50 of {args.runs} runs\n")
    print("| what | p50 |")
    print("|---|---|")
    print(f"| start-up: initialize → first check and test run answered | {startup * 1000:.0f} ms |")
    print(f"| `didChange` of one body → `publishDiagnostics` (first edit) | {first_change * 1000:.1f} ms |")
    print(f"| `didChange` of one body → `publishDiagnostics` (later edits) | {change_ms:.1f} ms |")
    for name in ["hover", "definition", "completion"]:
        print(f"| {name} | {median_ms(timings[name]):.1f} ms |")
    print(f"| save → failing test's diagnostic | {median_ms(failing):.1f} ms |")
    print(f"| save → the diagnostic gone (test passes again) | {median_ms(passing):.1f} ms |")
    print(f"| server RSS at the end | {rss:.0f} MB |")
    if cargo:
        c_ms = median_ms(cargo)
        print(f"| `cargo check` after the same edit (Rust version) | {c_ms:.0f} ms "
              f"({c_ms / change_ms:.0f}× the `didChange` → publish) |")


if __name__ == "__main__":
    main()
