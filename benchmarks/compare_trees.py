"""Run one benchmark on several copies of mend, interleaved, and compare their medians.

Each run runs the benchmark once (`--runs 1`) on every tree, the order rotated from run to run
(A,B,C then B,C,A ...), each tree with its own code on PYTHONPATH (core, tui) and its own copy
of the benchmark: the machine's load falls on all of them alike. Every line of the form
`label  N ms` (or `...; once loaded N ms`, taken then) is collected per section (a line that
does not start with a space opens a section: `tmux` if it says so, else `in-process`), and the
baseline `h to the history N ms` as its own line.

    git archive HEAD | tar -x -C /tmp/mend-old
    .venv/bin/python benchmarks/compare_trees.py hotfix_wizard_speed.py --runs 5 \\
        --tree old=/tmp/mend-old --tree new=. -- --only tmux
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

LINE = re.compile(
    r"^\s+(?P<label>\D.*?)\s+(?P<total>-?\d+) ms(?:; once loaded\s+(?P<loaded>-?\d+) ms)?"
)
BASELINE = re.compile(r"h to the history (\d+) ms")


def parse(output: str) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    section = ""
    for text in output.splitlines():
        if not text.startswith(" "):
            section = "tmux" if "tmux" in text else "in-process"
            continue
        baseline = BASELINE.search(text)
        if baseline:
            found[(section, "baseline: h to the history")] = int(baseline.group(1))
            continue
        line = LINE.match(text)
        if line:
            found[(section, line.group("label").strip())] = int(
                line.group("loaded") or line.group("total")
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("benchmark", help="A script in benchmarks/, e.g. wizard_speed.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", action="append", required=True, help="name=path")
    # After `--`: the benchmark's own options.
    args, extra = parser.parse_known_args()
    extra = [option for option in extra if option != "--"]
    trees = [
        (name, Path(path).resolve()) for name, _, path in (t.partition("=") for t in args.tree)
    ]
    results: dict[str, dict[tuple[str, str], list[int]]] = {name: {} for name, _ in trees}
    for run in range(args.runs):
        shift = run % len(trees)
        for name, root in trees[shift:] + trees[:shift]:
            env = dict(os.environ, PYTHONPATH=f"{root / 'core'}:{root / 'tui'}")
            script = str(root / "benchmarks" / args.benchmark)
            completed = subprocess.run(
                [sys.executable, script, "--runs", "1", *extra],
                capture_output=True,
                text=True,
                env=env,
                cwd=root,
            )
            if completed.returncode != 0:
                raise SystemExit(f"{name}: {completed.stderr[-2000:]}")
            for key, value in parse(completed.stdout).items():
                results[name].setdefault(key, []).append(value)
            print(f"run {run + 1}/{args.runs}: {name} done", file=sys.stderr, flush=True)
    names = [name for name, _ in trees]
    first = names[0]
    print(
        f"{args.benchmark} {' '.join(extra)}: medians of {args.runs} interleaved runs, ms "
        f"(tmux: once loaded); ratio: {names[-1]}/{first}"
    )
    print(f"  {'':11}{'':28}" + "".join(f"{name:>7}" for name in names) + "   ratio")
    for key in results[names[-1]]:
        medians = [statistics.median(results[name].get(key) or [0]) for name in names]
        ratio = f"{medians[-1] / medians[0]:.2f}" if medians[0] > 0 else "-"
        cells = "".join(f"{value:7.0f}" for value in medians)
        print(f"  {key[0]:<11}{key[1]:<28}{cells}   {ratio}")


if __name__ == "__main__":
    main()
