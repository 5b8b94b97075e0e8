"""The seeded random sample of the rules package's mutants that ``make mutation`` tests.

``python -m tests.mutation.sample [--size 600] [--seed 20261207]``

Testing every mutant of ``pipelines/rules`` takes 5–6 hours on a 2-core machine
(``make mutation-full``). A uniform random sample estimates the package's score within a
budget of about half an hour, with a stated 95 % interval: mutant sampling (Acree 1980;
Wong & Mathur 1995; Zhang et al., ICSE 2013) keeps the score's ranking of test suites
with a tenth of the mutants or fewer.

It first brings ``mutants/`` up to date with the sources (mutmut's own generation step,
nothing run; a function whose source changed loses its old verdicts), then draws about
``--size`` mutant names from every mutant of the package (:func:`choose`: each name in or
out by a keyed hash, so a sample keeps its members when other code changes), writes them
to ``mutants/sample.json`` (the report reads it) and prints those of them that have no
verdict yet, one a line: what ``mutmut run`` is given. A mutant tested before (by an
earlier sample or by ``make mutation-full``) keeps its verdict.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path("mutants") / "sample.json"
PACKAGE = Path("mutants") / "pipelines" / "rules"


def generate() -> None:
    """mutmut's generation step of ``mutmut run`` (mutmut 3.8, pinned), without the run.

    mutmut regenerates a module's mutants only when its source is newer than their copy;
    a checkout or a merge can leave a changed module older than its copy (seen here:
    ``pain.py``), so every module of the package is touched first."""
    for source in Path("pipelines", "rules").glob("*.py"):
        source.touch()
    from mutmut.__main__ import (
        copy_also_copy_files,
        copy_src_dir,
        create_mutants,
        setup_source_paths,
        store_lines_covered_by_tests,
    )
    from mutmut.mutation.trampoline import set_mutant_under_test

    set_mutant_under_test("mutant_generation")
    Path("mutants").mkdir(exist_ok=True)
    # mutmut re-maps only *new* tests to the functions they reach: a test written before a
    # function was added or changed is not mapped to it, and the function's mutants would
    # run without it (false survivors, seen here). Without this file, `mutmut run` maps
    # every selected test afresh (a few minutes).
    Path("mutants", "mutmut-stats.json").unlink(missing_ok=True)
    with contextlib.redirect_stdout(sys.stderr):  # stdout is the list of names
        copy_src_dir()
        copy_also_copy_files()
        setup_source_paths()
        store_lines_covered_by_tests()
        create_mutants(os.cpu_count() or 2)


def verdicts(package: Path = PACKAGE) -> dict[str, int | None]:
    """Every mutant of the package and its exit code (None: not tested yet)."""
    found: dict[str, int | None] = {}
    for meta in sorted(package.glob("*.py.meta")):
        found.update(json.loads(meta.read_text())["exit_code_by_key"])
    return found


def choose(names: list[str], size: int, seed: int) -> list[str]:
    """About ``size`` of ``names``, each taken with the same chance ``size / len(names)``
    (all of them when there are no more), decided for each name on its own by a keyed hash
    of the seed and the name: a Bernoulli sample, as uniform as drawing ``size`` at random.

    Deciding per name keeps a mutant in or out of the sample when *other* code changes:
    after a change, only the changed functions' mutants are new to the sample and need a
    run, not a whole new draw."""
    if len(names) <= size:
        return sorted(names)
    threshold = size / len(names) * 2**64
    return sorted(n for n in names if _draw(seed, n) < threshold)


def _draw(seed: int, name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8, key=str(seed).encode()).digest()
    return int.from_bytes(digest, "big")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--no-generate", action="store_true", help="use mutants/ as it is")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if not args.no_generate:
        generate()
    found = verdicts()
    if not found:
        print("no mutants in mutants/pipelines/rules", file=sys.stderr)
        return 2
    sample = choose(list(found), args.size, args.seed)
    SAMPLE.write_text(
        json.dumps({"seed": args.seed, "size": args.size, "of": len(found), "names": sample})
    )
    todo = [name for name in sample if found[name] is None]
    print(
        f"sample of {len(sample)} of {len(found)} mutants (seed {args.seed}): "
        f"{len(todo)} not tested yet",
        file=sys.stderr,
    )
    print("\n".join(todo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
