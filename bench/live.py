#!/usr/bin/env python3
"""`holo run --watch` on the generated workload: how long from a save to the first output of the
new code in the running program (a patch), how long a restart with the replay of 1,000 recorded
inputs takes, and, for comparison, `cargo run` after the same kind of one-body edit of the Rust
version of the workload. Medians of N runs.

Usage: bench/live.py HOLO GEN [--lines 10000] [--runs 21] [--inputs 1000] [--out DIR]
(HOLO and GEN: release builds of holo and holo-bench-gen.) Writes a Markdown table on stdout.

The holo workload's `main` is renamed `checksum_main` and a new `main` runs it, then either
(patch) polls `probe()` in a loop, printing its value whenever it changes, so that the first
output of the new `probe` is the moment the patched code first ran; or (replay) reads lines,
keeping a `State` struct, whose layout the measured save changes.
"""

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PATCH_MAIN = """
fn probe() -> str {
    "v0"
}

fn main() {
    checksum_main();
    let mut last = "";
    loop {
        let p = probe();
        if p != last {
            println(p);
            last = p;
        }
    }
}
"""

REPLAY_MAIN = """
struct State {
    total: i64,
}

fn main() {
    checksum_main();
    let mut s = State { total: 0 };
    while !stdin_eof() {
        let line = read_line();
        s = State { total: s.total + line.len() };
        println("total " + s.total.to_str());
    }
}
"""


class Lines:
    """A process's stdout or stderr, line by line, on a thread."""

    def __init__(self, stream):
        self.q = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.q.put((time.perf_counter(), line.rstrip("\n")))
        self.q.put((time.perf_counter(), None))

    def until(self, pred, timeout=120):
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                sys.exit("timed out waiting for the program")
            at, line = self.q.get(timeout=left)
            if line is None:
                sys.exit("the watching holo exited")
            if pred(line):
                return at, line


def prepare(gen, lines, root):
    subprocess.run([gen, "--lines", str(lines), "--out", root], check=True, stdout=subprocess.DEVNULL)
    main = os.path.join(root, "holo", "src", "main.holo")
    with open(main, encoding="utf-8") as f:
        text = f.read()
    return main, text.replace("fn main() {", "fn checksum_main() {", 1)


def write(path, text):
    # In place, in one call, as most editors without atomic save do.
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def start(holo, cwd, home):
    env = dict(os.environ, HOLO_HOME=home)
    proc = subprocess.Popen(
        [holo, "run", "--watch"],
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    return proc, Lines(proc.stdout), Lines(proc.stderr)


def stop(proc):
    proc.send_signal(2)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def patch_times(holo, main, base, runs, home):
    write(main, base + PATCH_MAIN)
    proc, out, err = start(holo, os.path.dirname(os.path.dirname(main)), home)
    out.until(lambda l: l == "v0")
    times = []
    for i in range(1, runs + 1):
        t0 = time.perf_counter()
        write(main, base + PATCH_MAIN.replace('"v0"', f'"v{i}"'))
        at, _ = out.until(lambda l, i=i: l == f"v{i}")
        times.append(at - t0)
    stop(proc)
    return times


def replay_times(holo, main, base, runs, inputs, home):
    results = []
    for r in range(runs):
        write(main, base + REPLAY_MAIN)
        proc, out, err = start(holo, os.path.dirname(os.path.dirname(main)), home)
        err.until(lambda l: l.startswith("[holo] running"))
        for n in range(inputs):
            proc.stdin.write(f"input {n}\n")
        proc.stdin.flush()
        out.until(lambda l: l.startswith("total ") and l.endswith(str(expected_total(inputs))))
        field = f"    extra{r}: i64,\n"
        t0 = time.perf_counter()
        write(
            main,
            base
            + REPLAY_MAIN.replace("    total: i64,\n", "    total: i64,\n" + field).replace(
                "State { total: 0 }", f"State {{ total: 0, extra{r}: 0 }}"
            ).replace("State { total: s.total + line.len() }", f"State {{ total: s.total + line.len(), extra{r}: 0 }}"),
        )
        at, line = err.until(lambda l: l.startswith("[holo] restarted"))
        # `... replayed N inputs in X ms`: the child's own time for the replay.
        replay_ms = float(line.rsplit(" in ", 1)[1].split()[0])
        results.append((at - t0, replay_ms / 1000.0, line))
        stop(proc)
    return results


def expected_total(inputs):
    return sum(len(f"input {n}") for n in range(inputs))


def cargo_times(rust_dir, runs):
    """`cargo run` after a one-body edit of the Rust workload (incremental debug builds, as
    `cargo run` is used in an edit loop): the time to the program's first output."""
    main = os.path.join(rust_dir, "src", "main.rs")
    with open(main, encoding="utf-8") as f:
        base = f.read()
    subprocess.run(["cargo", "build", "-q"], cwd=rust_dir, check=True)
    times = []
    for i in range(1, runs + 1):
        write(main, base.replace('println!("checksum {total}");', f'println!("checksum {{total}} {i}");'))
        t0 = time.perf_counter()
        proc = subprocess.Popen(["cargo", "run", "-q"], cwd=rust_dir, stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()
        times.append(time.perf_counter() - t0)
        proc.wait()
    write(main, base)
    return times


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("holo")
    p.add_argument("gen")
    p.add_argument("--lines", type=int, default=10000)
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--replay-runs", type=int, default=5)
    p.add_argument("--cargo-runs", type=int, default=5)
    p.add_argument("--inputs", type=int, default=1000)
    p.add_argument("--out", default=None)
    p.add_argument("--no-cargo", action="store_true")
    args = p.parse_args()
    root = args.out or tempfile.mkdtemp(prefix="holo-live-bench-")
    home = tempfile.mkdtemp(prefix="holo-live-home-")
    main_file, base = prepare(args.gen, args.lines, root)
    patch = patch_times(args.holo, main_file, base, args.runs, home)
    replay = replay_times(args.holo, main_file, base, args.replay_runs, args.inputs, home)
    cargo = [] if args.no_cargo or not shutil.which("cargo") else cargo_times(os.path.join(root, "rust"), args.cargo_runs)
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; a {args.lines}-line generated workload.\n")
    print("| measure | median | min | max | runs |")
    print("|---|---|---|---|---|")
    row = lambda name, xs: print(f"| {name} | {ms(statistics.median(xs))} | {ms(min(xs))} | {ms(max(xs))} | {len(xs)} |")
    row("save → first output of the patched function (`holo run --watch`)", patch)
    row(f"save → restarted, {args.inputs} input lines replayed (whole restart)", [r[0] for r in replay])
    row(f"replay of {args.inputs} input lines itself (reported by holo)", [r[1] for r in replay])
    if cargo:
        row("one-body edit → first output of `cargo run` (Rust version)", cargo)
        print(f"\n`cargo run` / holo patch: {statistics.median(cargo) / statistics.median(patch):.0f}×")
    print(f"\nA restart line: `{replay[-1][2]}`")


if __name__ == "__main__":
    main()
