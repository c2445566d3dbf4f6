#!/usr/bin/env python3
"""Turns raw timings into a markdown table of medians, for bench/cpu.sh and bench/test.sh.

    table.py --tsv FILE --markdown FILE --title TEXT [--notes FILE] --row-label TEXT
             --column KEY=LABEL... [--ratio NUM/DEN=LABEL...] [--unit seconds|MiB]

The TSV has a header line and then `row<TAB>column<TAB>run<TAB>seconds` lines (one per timed
run). Each cell of the table is the median of its runs; each `--ratio NUM/DEN` column is the
median of column NUM divided by the median of column DEN, row by row, and with two rows or more a
last row gives the geometric mean of each ratio column. Columns and rows keep the order in which
they are given (columns) or first appear (rows). `--unit MiB` reads the samples as megabytes
(peak memory) instead of seconds. Only the standard library is used.
"""

import argparse
import math
import os
import statistics
import sys


def fmt_seconds(s):
    if s is None:
        return "—"
    if s < 0.001:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms" if s < 0.1 else f"{s * 1e3:.0f} ms"
    return f"{s:.2f} s"


def fmt_mib(m):
    return "—" if m is None else f"{m:.0f} MiB"


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.0f}×" if r >= 10 else f"{r:.2f}×"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tsv", required=True)
    p.add_argument("--markdown", required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--notes")
    p.add_argument("--row-label", required=True)
    p.add_argument("--column", action="append", required=True, help="KEY=LABEL")
    p.add_argument("--ratio", action="append", default=[], help="NUM/DEN=LABEL")
    p.add_argument("--unit", choices=["seconds", "MiB"], default="seconds")
    args = p.parse_args()
    fmt_value = fmt_mib if args.unit == "MiB" else fmt_seconds

    columns = []
    for c in args.column:
        key, sep, label = c.partition("=")
        if not sep:
            sys.exit(f"table.py: --column {c!r} is not KEY=LABEL")
        columns.append((key, label))
    ratios = []
    for r in args.ratio:
        keys, sep, label = r.partition("=")
        num, slash, den = keys.partition("/")
        if not sep or not slash:
            sys.exit(f"table.py: --ratio {r!r} is not NUM/DEN=LABEL")
        ratios.append((num, den, label))

    samples = {}
    rows = []
    with open(args.tsv, encoding="utf-8") as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            if n == 0 or len(parts) != 4:
                continue
            row, col, _run, seconds = parts
            if row not in rows:
                rows.append(row)
            samples.setdefault((row, col), []).append(float(seconds))
    med = {k: statistics.median(v) for k, v in samples.items()}

    out = [f"# {args.title}\n"]
    if args.notes and os.path.exists(args.notes):
        with open(args.notes, encoding="utf-8") as f:
            out.append(f.read().rstrip() + "\n")
    header = [args.row_label] + [label for _, label in columns] + [label for _, _, label in ratios]
    out.append("| " + " | ".join(header) + " |")
    out.append("|---" * len(header) + "|")
    logs = {num_den: [] for num_den in ((num, den) for num, den, _ in ratios)}
    for row in rows:
        cells = [row] + [fmt_value(med.get((row, key))) for key, _ in columns]
        for num, den, _ in ratios:
            a, b = med.get((row, num)), med.get((row, den))
            if a is not None and b:
                logs[(num, den)].append(math.log(a / b))
            cells.append(fmt_ratio(a / b) if a is not None and b else "—")
        out.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1 and ratios:
        cells = ["geometric mean"] + [""] * len(columns)
        for num, den, _ in ratios:
            values = logs[(num, den)]
            cells.append(fmt_ratio(math.exp(sum(values) / len(values))) if values else "—")
        out.append("| " + " | ".join(cells) + " |")
    counts = sorted({len(v) for v in samples.values()})
    out.append(
        f"\nMedians of {', '.join(map(str, counts))} interleaved runs per cell; "
        f"raw samples in `{os.path.basename(args.tsv)}`.\n"
    )
    text = "\n".join(out)
    with open(args.markdown, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
