"""One fuzz input for a target: a seed, mutated; the long run's input number *i*."""

from __future__ import annotations

from tests.fuzz.harness.choosers import Chooser, RandomChooser, pick
from tests.fuzz.harness.mutators import mutate_bytes, mutate_name
from tests.fuzz.harness.targets import Target


def make_input(target: Target, c: Chooser) -> tuple[str, bytes]:
    """One fuzz input for ``target``: a seed, mutated (and its name, now and then)."""
    seed = pick(target.seeds, c)
    data = mutate_bytes(seed.data, seed.kind, c)
    name = mutate_name(seed.name, c) if c.below(16) == 0 else seed.name
    return name, data


def nth_input(target: Target, index: int, *, run_seed: int = 0) -> tuple[str, bytes]:
    """The long run's input number ``index`` for ``target``: the seeds themselves first,
    then mutations; a pure function of its arguments, so a crash can be made again."""
    seeds = target.seeds
    if index < len(seeds):
        return seeds[index].name, seeds[index].data
    return make_input(target, RandomChooser(f"{run_seed}:{target.name}:{index}"))
