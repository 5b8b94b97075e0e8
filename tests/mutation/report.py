"""The mutation-testing report of the rules package (``make mutation``, docs/testing.md).

``python -m tests.mutation.report [--out docs/mutation.md] [--minutes M]``

Reads what ``mutmut run`` left in ``mutants/`` (one ``.meta`` file per mutated module: the
exit code of every mutant's test run) and the mutated sources beside them (each mutant is a
copy of its function), and writes a Markdown report: the score per module and for the
package, and every mutant that was not killed with the line it changed. Mutants listed in
``tests/mutation/equivalent.toml`` (a mutant name and why no test can tell it from the
original) are left out of the score and listed with their reason; an entry that no longer
names a surviving mutant is reported as stale.

The score is killed / (all − equivalent − skipped − not run yet): a mutant counts as killed
when a test failed on it or it timed out (the change made the code loop); a mutant that
survived or that no selected test reaches counts against.
Exits 1 when the score is below ``--minimum`` (default 0: report only).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import math
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "mutants"
PACKAGE = Path("pipelines/rules")
EQUIVALENT = Path(__file__).with_name("equivalent.toml")

# mutmut's exit codes (mutmut/stats.py), folded into what the score needs
STATUS = {
    1: "killed",
    3: "killed",
    36: "timeout",  # the mutant made the tests run far longer: counted as killed
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    None: "not run",
}
KILLED = ("killed", "timeout")
_NAME = re.compile(r"^(?P<function>.+)__mutmut_(?P<n>\d+|orig)$")


@dataclass(frozen=True)
class Mutant:
    name: str  # pipelines.rules.daily.x_walking_minutes__mutmut_12
    module: str  # daily
    status: str
    change: str  # the changed line(s), "-old / +new"


def _functions(source: str) -> dict[str, str]:
    """Every top-level mutmut copy of a function (and method) by its name, as source."""
    lines = source.splitlines()
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            found[node.name] = "\n".join(lines[node.lineno - 1 : node.end_lineno])
    return found


def _change(original: str, mutated: str) -> str:
    removed, added = [], []
    for line in difflib.ndiff(original.splitlines(), mutated.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:].strip())
        elif line.startswith("+ "):
            added.append(line[2:].strip())
    return " / ".join([*(f"-{r}" for r in removed), *(f"+{a}" for a in added)]) or "(no line)"


def mutants(root: Path = MUTANTS) -> list[Mutant]:
    found: list[Mutant] = []
    for meta in sorted((root / PACKAGE).glob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        source = meta.with_suffix("")  # daily.py.meta → daily.py
        functions = _functions(source.read_text()) if source.exists() else {}
        module = source.stem
        for name, code in sorted(codes.items(), key=lambda kv: _order(kv[0])):
            short = name.rsplit(".", 1)[-1]
            match = _NAME.match(short)
            original = functions.get(f"{match['function']}__mutmut_orig", "") if match else ""
            status = STATUS.get(code, "suspicious")
            mutated = functions.get(short, "").replace(
                short, f"{match['function']}__mutmut_orig", 1
            )
            change = _change(original, mutated) if match and status not in KILLED else ""
            found.append(Mutant(name, module, status, change))
    return found


def _order(name: str) -> tuple[str, int]:
    match = _NAME.match(name.rsplit(".", 1)[-1])
    return (match["function"], int(match["n"])) if match and match["n"].isdigit() else (name, 0)


def equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    return dict(tomllib.loads(EQUIVALENT.read_text())["equivalent"])


def score(found: list[Mutant], equal: dict[str, str]) -> tuple[int, int]:
    counted = [m for m in found if m.name not in equal and m.status not in ("skipped", "not run")]
    return sum(m.status in KILLED for m in counted), len(counted)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95 % for z = 1.96)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Estimate:
    """The package's score estimated from the random sample (tests/mutation/sample.py)."""

    drawn: int  # mutants in the sample
    of: int  # mutants in the package when it was drawn
    seed: int
    killed: int
    counted: int  # tested, not equivalent, not skipped
    untested: int  # drawn but not tested (yet)
    gone: int  # drawn, then the code changed and the mutant is no more
    equivalent: int
    low: float
    high: float

    @property
    def score(self) -> float:
        return self.killed / self.counted if self.counted else 0.0


def estimate(found: list[Mutant], equal: dict[str, str], sample: Path | None) -> Estimate | None:
    if sample is None or not sample.exists():
        return None
    drawn = json.loads(sample.read_text())
    by_name = {m.name: m for m in found}
    members = [by_name[n] for n in drawn["names"] if n in by_name]
    killed, counted = score(members, equal)
    low, high = wilson(killed, counted)
    return Estimate(
        drawn=len(drawn["names"]),
        of=drawn["of"],
        seed=drawn["seed"],
        killed=killed,
        counted=counted,
        untested=sum(m.status == "not run" for m in members),
        gone=len(drawn["names"]) - len(members),
        equivalent=sum(m.name in equal for m in members),
        low=low,
        high=high,
    )


def modules_without_mutants(found: list[Mutant], root: Path = ROOT) -> list[str]:
    """Modules of the rules package that the last run did not generate mutants for."""
    seen = {m.module for m in found}
    return sorted(
        p.stem
        for p in (root / PACKAGE).glob("*.py")
        if p.name != "__init__.py" and p.stem not in seen
    )


def report(
    found: list[Mutant],
    equal: dict[str, str],
    minutes: float | None,
    sampled: Estimate | None = None,
) -> str:
    killed, counted = score(found, equal)
    lines = [
        "# Mutation testing of the rules package",
        "",
        "Written by `make mutation` (`python -m tests.mutation.report`); how to run it and",
        'what the score means: docs/testing.md, "Mutation testing".',
        "",
    ]
    if minutes is not None:
        lines += [f"The last `mutmut run` took {minutes:.0f} minutes on a 2-core machine.", ""]
    pct = 100 * killed / counted if counted else 0.0
    if sampled is not None:
        lines += [
            f"**Estimated score of the package: {100 * sampled.score:.1f} % "
            f"(95 % interval {100 * sampled.low:.1f}–{100 * sampled.high:.1f} %)**, from a "
            f"uniform random sample of {sampled.drawn} of its {sampled.of} mutants "
            f"(seed {sampled.seed}): {sampled.killed} of {sampled.counted} killed, "
            f"{sampled.equivalent} equivalent, {sampled.untested} not tested"
            + (f", {sampled.gone} gone with a change of the code." if sampled.gone else "."),
            "",
            "Once a sample's survivors have been triaged — killed by tests written for them, "
            "or listed as equivalent — the same sample overstates the package. The figures "
            'of each sample before its triage are in docs/testing.md ("Where it stands"); '
            "`make mutation SEED=…` draws a fresh sample.",
            "",
        ]
    lines += [
        f"**Every mutant tested so far: {killed} of {counted} killed ({pct:.1f} %)**, "
        f"{len([m for m in found if m.name in equal])} equivalent mutants left out, "
        f"{sum(m.status == 'not run' for m in found)} of {len(found)} not run yet.",
        "",
        "| module | mutants | not run yet | killed | of which timeouts | survived "
        "| no test reaches it | equivalent | score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_module: dict[str, list[Mutant]] = {}
    for m in found:
        by_module.setdefault(m.module, []).append(m)
    for module, items in sorted(by_module.items()):
        c = Counter(m.status for m in items if m.name not in equal)
        k, n = score(items, equal)
        lines.append(
            f"| `{module}` | {len(items)} | {c['not run']} | {c['killed'] + c['timeout']} "
            f"| {c['timeout']} | {c['survived']} "
            f"| {c['no tests']} "
            f"| {sum(m.name in equal for m in items)} | "
            + (f"{100 * k / n:.1f} % |" if n else "– |")
        )
    unseen = modules_without_mutants(found)
    lines += [
        f"| `{module}` | – | all: added after the last run | – | – | – | – | – | – |"
        for module in unseen
    ]
    if unseen:
        lines += [
            "",
            f"{len(unseen)} module(s) of the package have no mutants yet: they were added after "
            "the last `mutmut run` began; the next run generates and tests them.",
        ]
    open_ = [
        m for m in found if m.status not in (*KILLED, "skipped", "not run") and m.name not in equal
    ]
    lines += ["", f"## Not killed ({len(open_)})", ""]
    if open_:
        lines += ["| mutant | status | change |", "|---|---|---|"]
        lines += [f"| `{m.name}` | {m.status} | `{_cell(m.change)}` |" for m in open_]
    names = {m.name: m for m in found}
    lines += ["", f"## Equivalent ({len(equal)})", ""]
    if equal:
        lines += ["| mutant | why no test can tell it apart |", "|---|---|"]
        for name, why in sorted(equal.items()):
            stale = "" if names.get(name) and names[name].status not in KILLED else " (killed)"
            lines.append(f"| `{name}`{stale} | {_cell(why)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")[:200]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the report here (else print it)")
    parser.add_argument("--minutes", type=float, help="how long the run took, for the report")
    parser.add_argument("--minimum", type=float, default=0.0, help="fail below this score (%%)")
    args = parser.parse_args(argv)
    found = mutants()
    if not found:
        print("no mutation results in mutants/: run `make mutation` first", file=sys.stderr)
        return 2
    equal = equivalent()
    sampled = estimate(found, equal, MUTANTS / "sample.json")
    text = report(found, equal, args.minutes, sampled)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    killed, counted = score(found, equal)
    pct = 100 * killed / counted if counted else 0.0
    print(f"mutation score of {PACKAGE}: {killed}/{counted} = {pct:.1f} %", file=sys.stderr)
    if all(m.status != "not run" for m in found) or sampled is None:
        return 1 if pct < args.minimum else 0
    # Not every mutant tested: the sample speaks for the package, by its interval's low end.
    print(
        f"estimated from the sample: {100 * sampled.score:.1f} % "
        f"(95 % interval {100 * sampled.low:.1f}–{100 * sampled.high:.1f} %)",
        file=sys.stderr,
    )
    return 1 if 100 * sampled.low < args.minimum or sampled.untested else 0


if __name__ == "__main__":
    sys.exit(main())
