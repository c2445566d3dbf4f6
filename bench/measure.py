#!/usr/bin/env python3
"""Timing helpers for bench/run.sh: time a command, toggle the benchmark edit, time a save in
`holo check --watch`, and turn the raw measurements into a markdown table of medians.

Only the standard library is used, so the benchmark needs nothing but python3 besides the
toolchains it compares.

    measure.py time [--cwd DIR] [--env K=V]... [--expect-exit N|any] [--stdout FILE] -- CMD ARGS...
        Runs CMD once and prints its wall time in seconds. Output goes to a log that is shown
        (its last lines) only if the exit code is not the expected one; with --stdout, CMD's
        stdout goes to FILE instead (stderr still to the log).
    measure.py peak [--cwd DIR] [--env K=V]... -- CMD ARGS...
        Runs CMD once and prints the peak resident memory, in MiB, of the largest of its
        processes (CMD itself or any process it started and waited for: `holo run`'s program).
    measure.py edit --workload FILE --lang holo|rust|go --root DIR
        Applies the edit from workload.json, or reverts it if it is applied; prints which.
    measure.py restore --workload FILE --lang holo|rust|go --root DIR
        Reverts the edit if it is applied (leaves the file as generated).
    measure.py variant --workload FILE --lang holo|rust|go --root DIR --nonce N
        Rewrites the edited line to a version of its own for N (`old + N - N`: the same values,
        another body), or to the generated line for N = 0. A different N for every run makes
        every run see a body it has never seen, which toggling could not (holo answers an undone
        edit from its cache).
    measure.py watch --holo BIN --workload FILE --root DIR [--env K=V]... [--timeout S] [--allow-errors]
        Starts `holo check --watch` in DIR, waits for its first status line, toggles the edit,
        and prints two numbers: seconds from the write to the next status line (wall), and the
        check time the status line itself reports (self). Then stops the watcher.
    measure.py report --tsv FILE --markdown FILE [--title TEXT] [--notes FILE]
        Prints (and writes) the tables of medians and ratios.
"""

import argparse
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# `✓ checked 161 files in 1.8 ms`, `✗ 2 errors in 3.0 ms`, `… in 1.25 s`
STATUS = re.compile(r"^([✓✗]) (.*) in ([0-9.]+) (ms|s)\b")


def fail(message):
    print(f"measure.py: {message}", file=sys.stderr)
    sys.exit(3)


def parse_env(pairs):
    env = dict(os.environ)
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(f"--env {pair!r} is not of the form KEY=VALUE")
        env[key] = value
    return env


def cmd_time(args):
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        fail("time: no command given (put it after --)")
    env = parse_env(args.env)
    with tempfile.TemporaryFile(mode="w+b") as log:
        out = open(args.stdout, "wb") if args.stdout else log
        try:
            start = time.perf_counter()
            proc = subprocess.run(command, cwd=args.cwd, env=env, stdout=out, stderr=log if args.stdout else subprocess.STDOUT)
            elapsed = time.perf_counter() - start
        finally:
            if args.stdout:
                out.close()
        if args.expect_exit != "any" and proc.returncode != int(args.expect_exit):
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").splitlines()[-25:]
            print("\n".join(tail), file=sys.stderr)
            fail(
                f"`{' '.join(command)}` in {args.cwd or '.'} exited with {proc.returncode}, "
                f"expected {args.expect_exit} (its last output is above)"
            )
    print(f"{elapsed:.6f}")


def cmd_peak(args):
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        fail("peak: no command given (put it after --)")
    # GNU time reports the largest resident set of the command's process tree (its own and that
    # of every process it waited for, such as `holo run`'s program). getrusage here would not do:
    # a child forked from this Python process starts with Python's resident set counted in its
    # peak, a floor of about 15 MiB under every figure.
    gnu_time = "/usr/bin/time"
    if not os.path.exists(gnu_time):
        fail("peak: GNU time is needed at /usr/bin/time to measure peak memory (Debian/Ubuntu: apt-get install time)")
    with tempfile.NamedTemporaryFile(mode="r") as report:
        proc = subprocess.run(
            [gnu_time, "-f", "%M", "-o", report.name, *command],
            cwd=args.cwd,
            env=parse_env(args.env),
            stdout=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            fail(f"`{' '.join(command)}` in {args.cwd or '.'} exited with {proc.returncode}")
        peak_kib = int(report.read().strip().splitlines()[-1])
    print(f"{peak_kib / 1024:.1f}")


def load_edit(workload, lang):
    with open(workload, encoding="utf-8") as f:
        data = json.load(f)
    try:
        return data["edit"][lang]
    except KeyError:
        fail(f"{workload} has no edit for {lang}")


def toggle(workload, lang, root, only_revert=False):
    """Applies the edit (old -> new) or reverts it (new -> old); returns 'applied'/'reverted'."""
    edit = load_edit(workload, lang)
    path = os.path.join(root, edit["file"])
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if edit["anchor"] in line)
    except StopIteration:
        fail(f"{path}: the anchor {edit['anchor']!r} is not in the file")
    for i in range(start, len(lines)):
        if lines[i] == edit["old"]:
            if only_revert:
                return "unchanged"
            lines[i] = edit["new"]
            outcome = "applied"
            break
        if lines[i] == edit["new"]:
            lines[i] = edit["old"]
            outcome = "reverted"
            break
    else:
        fail(f"{path}: neither version of the edited line follows {edit['anchor']!r}")
    # Written in place in one call, as most editors without atomic save do.
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return outcome


def cmd_variant(args):
    edit = load_edit(args.workload, args.lang)
    path = os.path.join(args.root, edit["file"])
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if edit["anchor"] in line)
    except StopIteration:
        fail(f"{path}: the anchor {edit['anchor']!r} is not in the file")
    old = edit["old"]
    for i in range(start, len(lines)):
        # The generated line, the toggled one (`old + 0`) or an earlier variant (`old + N - N`).
        if lines[i] == old or lines[i].startswith(old + " + "):
            lines[i] = old if args.nonce == 0 else f"{old} + {args.nonce} - {args.nonce}"
            break
    else:
        fail(f"{path}: no version of the edited line follows {edit['anchor']!r}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(lines[i].strip())


def cmd_edit(args):
    print(toggle(args.workload, args.lang, args.root))


def cmd_restore(args):
    print(toggle(args.workload, args.lang, args.root, only_revert=True))


def cmd_watch(args):
    env = parse_env(args.env)
    env["NO_COLOR"] = "1"
    proc = subprocess.Popen(
        [args.holo, "check", "--watch"],
        cwd=args.root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    lines = queue.Queue()

    def reader():
        # Each line is stamped the moment it arrives; holo writes status lines unbuffered.
        for raw in proc.stderr:
            lines.put((time.perf_counter(), ANSI.sub("", raw.decode("utf-8", "replace")).strip()))
        lines.put((time.perf_counter(), None))

    threading.Thread(target=reader, daemon=True).start()
    seen = []

    def next_status(deadline):
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            try:
                stamp, line = lines.get(timeout=remaining)
            except queue.Empty:
                return None
            if line is None:
                return None
            seen.append(line)
            match = STATUS.match(line)
            if match:
                return stamp, match

    try:
        first = next_status(time.perf_counter() + args.timeout)
        if first is None:
            fail("watch: `holo check --watch` printed no status line:\n  " + "\n  ".join(seen[-20:]))
        if first[1].group(1) != "✓" and not args.allow_errors:
            fail(f"watch: the first check failed: {first[1].group(0)}\n  " + "\n  ".join(seen[-20:]))
        # Let the watcher settle (its own first events, if any) before the timed save.
        time.sleep(0.3)
        while not lines.empty():
            lines.get_nowait()
        # The first save after start is timed on its own: it is the first edit of that function,
        # which re-validates the package once (see ARCHITECTURE.md, durability); later saves of
        # the same function are the steady state of an edit loop.
        samples = []
        for _ in range(max(1, args.saves)):
            time.sleep(0.05)
            while not lines.empty():
                lines.get_nowait()
            start = time.perf_counter()
            toggle(args.workload, "holo", args.root)
            after = next_status(start + args.timeout)
            if after is None:
                fail("watch: no status line after the edit:\n  " + "\n  ".join(seen[-20:]))
            stamp, match = after
            if match.group(1) != "✓" and not args.allow_errors:
                fail(f"watch: the re-check reported errors: {match.group(0)}")
            reported = float(match.group(3)) * (0.001 if match.group(4) == "ms" else 1.0)
            samples.append((stamp - start, reported))
        later = samples[1:] or samples
        later_wall = statistics.median(w for w, _ in later)
        later_self = statistics.median(r for _, r in later)
        print(f"{samples[0][0]:.6f} {samples[0][1]:.6f} {later_wall:.6f} {later_self:.6f}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def fmt_seconds(s):
    if s is None:
        return "—"
    if s < 0.001:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms" if s < 0.1 else f"{s * 1e3:.0f} ms"
    return f"{s:.2f} s"


def fmt_ratio(value, base):
    if value is None or base is None or base <= 0:
        return ""
    ratio = value / base
    if ratio >= 10:
        return f" ({ratio:.0f}×)"
    return f" ({ratio:.1f}×)"


# Rows of the report: (section, key, label, is_baseline). Keys are `measure/tool` as run.sh
# writes them; the baseline of each section is what the ratios divide by.
ROWS = [
    ("Cold check (build caches emptied)", "cold/holo", "`holo check`", True),
    ("Cold check (build caches emptied)", "cold/cargo", "`cargo check` (`target/` removed)", False),
    ("Cold check (build caches emptied)", "cold/go", "`go vet ./...` (`GOCACHE` empty)", False),
    ("Cold check (build caches emptied)", "cold/go-std", "`go vet ./...` (`GOCACHE` holding only the standard library)", False),
    ("Re-check after a one-body edit (warm)", "edit/holo-watch-wall", "`holo check --watch`: save → status line (wall)", True),
    ("Re-check after a one-body edit (warm)", "edit/holo-watch-self", "`holo check --watch`: check time it reports", False),
    ("Re-check after a one-body edit (warm)", "edit/holo-watch-later-wall", "`holo check --watch`, later saves: save → status line (wall)", False),
    ("Re-check after a one-body edit (warm)", "edit/holo-watch-later-self", "`holo check --watch`, later saves: check time it reports", False),
    ("Re-check after a one-body edit (warm)", "edit/cargo", "`cargo check`", False),
    ("Re-check after a one-body edit (warm)", "edit/go", "`go build ./...`", False),
]


def cmd_report(args):
    samples = {}
    workloads = []
    with open(args.tsv, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or parts[0] == "workload":
                continue
            workload, measure, tool, _run, seconds = parts
            if workload not in workloads:
                workloads.append(workload)
            samples.setdefault((workload, f"{measure}/{tool}"), []).append(float(seconds))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    counts = {k: len(v) for k, v in samples.items()}

    out = []
    if args.title:
        out.append(f"# {args.title}\n")
    if args.notes and os.path.exists(args.notes):
        with open(args.notes, encoding="utf-8") as f:
            out.append(f.read().rstrip() + "\n")
    out.append(
        "Medians of the interleaved runs; in parentheses, the time relative to the first row "
        "of the section (holo). `—`: not measured.\n"
    )
    section = None
    baseline = {}
    for sec, key, label, is_base in ROWS:
        if not any((w, key) in samples for w in workloads):
            continue
        if sec != section:
            section = sec
            out.append(f"\n### {sec}\n")
            out.append("| tool | " + " | ".join(workloads) + " |")
            out.append("|---|" + "---|" * len(workloads))
        cells = []
        for w in workloads:
            value = medians.get((w, key))
            if is_base:
                baseline[(sec, w)] = value
                cells.append(fmt_seconds(value))
            else:
                cells.append(fmt_seconds(value) + fmt_ratio(value, baseline.get((sec, w))))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    runs = sorted(set(counts.values()))
    out.append(f"\nRuns per cell: {', '.join(map(str, runs))}. Raw samples: `{os.path.basename(args.tsv)}`.\n")
    text = "\n".join(out)
    with open(args.markdown, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("time")
    p.add_argument("--cwd")
    p.add_argument("--env", action="append")
    p.add_argument("--expect-exit", default="0", help="an exit code, or `any`")
    p.add_argument("--stdout", help="write the command's stdout to this file")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_time)

    p = sub.add_parser("peak")
    p.add_argument("--cwd")
    p.add_argument("--env", action="append")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_peak)

    for name, func in (("edit", cmd_edit), ("restore", cmd_restore)):
        p = sub.add_parser(name)
        p.add_argument("--workload", required=True)
        p.add_argument("--lang", required=True, choices=["holo", "rust", "go"])
        p.add_argument("--root", required=True)
        p.set_defaults(func=func)

    p = sub.add_parser("variant")
    p.add_argument("--workload", required=True)
    p.add_argument("--lang", required=True, choices=["holo", "rust", "go"])
    p.add_argument("--root", required=True)
    p.add_argument("--nonce", required=True, type=int, help="0 restores the generated line")
    p.set_defaults(func=cmd_variant)

    p = sub.add_parser("watch")
    p.add_argument("--holo", required=True)
    p.add_argument("--workload", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--env", action="append")
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--saves", type=int, default=1, help="saves to time in one watcher (the first is reported apart)")
    p.add_argument("--allow-errors", action="store_true", help="accept a check that reports errors")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("report")
    p.add_argument("--tsv", required=True)
    p.add_argument("--markdown", required=True)
    p.add_argument("--title")
    p.add_argument("--notes")
    p.set_defaults(func=cmd_report)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
