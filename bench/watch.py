#!/usr/bin/env python3
"""The resident loop on the generated workload: save -> affected tests reported by
`holo test --watch`, save -> diagnostics in `holo check --watch`, a client command answered by
the daemon with nothing changed, the daemon's memory over many edits, and `cargo test` after
the same one-body edit. Medians of interleaved runs, ratios from the same run.

Usage: bench/watch.py HOLO WORKLOAD_DIR [--runs N] [--edits N]
(WORKLOAD_DIR from `holo-bench-gen --lines 100000 --out DIR`; HOLO a release build.)
Writes a Markdown table on stdout.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import measure  # noqa: E402  (the workload's edit, shared with the other benchmarks)


def set_variant(workload, lang, root, nonce):
    """Writes the edited line as `old + N - N` (nonce 0: the generated line): every nonce is a
    body no test has run against, so the affected tests really run."""
    edit = measure.load_edit(workload, lang)
    path = os.path.join(root, edit["file"])
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next(i for i, line in enumerate(lines) if edit["anchor"] in line)
    old = edit["old"]
    for i in range(start, len(lines)):
        if lines[i] == old or lines[i].startswith(old + " + "):
            lines[i] = old if nonce == 0 else f"{old} + {nonce} - {nonce}"
            break
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


class Watch:
    """A `--watch` process whose JSON lines are read until a summary."""

    def __init__(self, cmd, cwd, env):
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )

    def cycle(self):
        """Reads one cycle: returns (summary, number of tests that ran)."""
        ran = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit("the watching holo exited")
            event = json.loads(line)
            if event["type"] == "test" and not event["outcome"].startswith("cached"):
                ran += 1
            if event["type"] == "summary":
                return event, ran

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def median_ms(samples):
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("holo")
    parser.add_argument("workload_dir")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--skip-cargo", action="store_true")
    args = parser.parse_args()
    holo = os.path.abspath(args.holo)
    work = os.path.join(args.workload_dir, "workload.json")
    root = os.path.join(args.workload_dir, "holo")
    rust = os.path.join(args.workload_dir, "rust")
    with open(work, encoding="utf-8") as f:
        reaching = json.load(f)["edit"]["tests_reaching"]
    home = tempfile.mkdtemp(prefix="holo-watch-bench-")
    env = dict(os.environ, HOLO_HOME=home, NO_COLOR="1")
    env.pop("HOLO_DAEMON", None)
    set_variant(work, "holo", root, 0)
    subprocess.run([holo, "test", "-q"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)

    test_watch, check_watch, cargo = [], [], []
    ran_counts = set()
    nonce = 1
    tw = Watch([holo, "test", "--watch", "--message-format", "json"], root, env)
    tw.cycle()
    # The first saves after start also start the workers and compile what the tests reach in
    # them; they are reported apart, and the steady state is measured after them.
    first_saves = []
    for _ in range(3):
        set_variant(work, "holo", root, nonce)
        t0 = time.perf_counter()
        tw.cycle()
        first_saves.append(time.perf_counter() - t0)
        nonce += 1
    for _ in range(args.runs):
        set_variant(work, "holo", root, nonce)
        t0 = time.perf_counter()
        # The watcher reacts to the write itself; the clock starts when the save returns.
        summary, ran = tw.cycle()
        test_watch.append(time.perf_counter() - t0)
        ran_counts.add(ran)
        nonce += 1
    tw.stop()
    cw = Watch([holo, "check", "--watch", "--message-format", "json"], root, env)
    cw.cycle()
    for _ in range(args.runs):
        set_variant(work, "holo", root, nonce)
        t0 = time.perf_counter()
        cw.cycle()
        check_watch.append(time.perf_counter() - t0)
        nonce += 1
    cw.stop()
    if not args.skip_cargo:
        subprocess.run(["cargo", "test", "-q"], cwd=rust, check=True, capture_output=True)
        for i in range(args.runs):
            set_variant(work, "rust", rust, nonce + i)
            t0 = time.perf_counter()
            subprocess.run(["cargo", "test", "-q"], cwd=rust, check=True, capture_output=True)
            cargo.append(time.perf_counter() - t0)
        set_variant(work, "rust", rust, 0)

    # The daemon: a client command with nothing changed, and memory over many edits.
    subprocess.run([holo, "daemon", "start", "-q"], cwd=root, env=env, check=True)
    idle = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run([holo, "check", "-q"], cwd=root, env=env, check=True)
        idle.append(time.perf_counter() - t0)

    def rss():
        out = subprocess.run(
            [holo, "daemon", "status", "--message-format", "json"],
            cwd=root, env=env, check=True, capture_output=True, text=True,
        ).stdout
        return json.loads(out)["rss_bytes"] / (1 << 20)

    rss_samples = [(0, rss())]
    for i in range(1, args.edits + 1):
        set_variant(work, "holo", root, nonce)
        nonce += 1
        # Each edit followed by what an agent asks: the affected tests (check, lower, run).
        subprocess.run(
            [holo, "test", "--affected", "-q"],
            cwd=root, env=env, check=True, stdout=subprocess.DEVNULL,
        )
        if i % max(1, args.edits // 4) == 0:
            rss_samples.append((i, rss()))
    subprocess.run([holo, "daemon", "stop", "-q"], cwd=root, env=env, check=True)
    set_variant(work, "holo", root, 0)

    tw_ms = median_ms(test_watch)
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.runs} runs each, "
          f"load average {os.getloadavg()[0]:.2f}; {reaching} tests reach the edited function.")
    print()
    print("| case | median | notes |")
    print("|---|---|---|")
    print(f"| save -> affected tests reported, `holo test --watch` | {tw_ms:.1f} ms | ran {sorted(ran_counts)} tests per save; the 3 saves before: "
          + ", ".join(f"{x * 1000:.0f}" for x in first_saves) + " ms (workers starting, code compiling) |")
    print(f"| save -> diagnostics, `holo check --watch` | {median_ms(check_watch):.1f} ms | |")
    if cargo:
        c_ms = median_ms(cargo)
        print(f"| `cargo test` after the same edit | {c_ms:.0f} ms | {c_ms / tw_ms:.0f}x the watch loop |")
    print(f"| `holo check` answered by the daemon, nothing changed | {median_ms(idle):.1f} ms | whole client process |")
    print(f"| daemon RSS after N edits (each followed by `holo test --affected`) | "
          + ", ".join(f"{n}: {mb:.0f} MiB" for n, mb in rss_samples) + " | |")


if __name__ == "__main__":
    main()
