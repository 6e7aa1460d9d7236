#!/usr/bin/env python3
"""Checks the JSON that `preflab --json examples/failure-mode.pref` prints: a record keyed by
loss (sigmoid, dpop, ipo), then edit-distance setting (low, high), each with finite figures for
every field other tools read. Each figure is the mean over the data-order seeds listed in
`seeds`; `range` holds its [min, max] over them, which must be finite and contain the mean.
Exits 1 with what is missing."""
import json
import math
import sys

FIELDS = ["chosen_logp_change", "rejected_logp_change", "reward_accuracy", "margin",
          "exact_match_before", "exact_match_after", "held_out_logp_before", "held_out_logp_after",
          "chosen_change_on_digits", "chosen_change_on_words"]
# The probe's means are NaN (JSON null) where no pair has a token there, e.g. "before" when
# the answers differ from their first token.
PROBE = ["probe_before", "probe_at", "probe_after"]


def finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_spread(where, figures, problems):
    """The seeds are distinct whole numbers; each field's range is [min, max] around its mean."""
    seeds = figures.get("seeds")
    if (not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds)
            or len(set(seeds)) != len(seeds)):
        problems.append(f"{where}.seeds = {seeds!r}")
    spread = figures.get("range")
    if not isinstance(spread, dict):
        problems.append(f"{where}.range = {spread!r}")
        return
    for field in FIELDS:
        lo_hi = spread.get(field)
        mean = figures.get(field)
        if not (isinstance(lo_hi, list) and len(lo_hi) == 2 and all(map(finite, lo_hi))):
            problems.append(f"{where}.range.{field} = {lo_hi!r}")
        elif finite(mean):
            # The script adds in 64 bits, but a mean of equal figures may still differ from them
            # in the last bit: allow that much, no more.
            slack = 1e-12 * max(1.0, abs(mean))
            if not lo_hi[0] - slack <= mean <= lo_hi[1] + slack:
                problems.append(f"{where}: {field} = {mean!r} lies outside its range {lo_hi!r}")


with open(sys.argv[1]) as handle:
    results = json.load(handle)
problems = []
if list(results) != ["sigmoid", "dpop", "ipo"]:
    problems.append(f"losses are {list(results)}")
seed_counts = set()
for loss, settings in results.items():
    if list(settings) != ["low", "high"]:
        problems.append(f"{loss}: settings are {list(settings)}")
    for setting, figures in settings.items():
        where = f"{loss}.{setting}"
        for field in FIELDS:
            value = figures.get(field)
            if not finite(value):
                problems.append(f"{where}.{field} = {value!r}")
        for field in PROBE:
            value = figures.get(field, "missing")
            if value is not None and not finite(value):
                problems.append(f"{where}.{field} = {value!r}")
        if not 0 <= figures.get("reward_accuracy", -1) <= 1:
            problems.append(f"{where}.reward_accuracy outside [0, 1]")
        check_spread(where, figures, problems)
        seed_counts.add(len(figures.get("seeds") or []))
if problems:
    print("failure-mode.pref --json:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"failure-mode.pref --json: {len(results)} losses x 2 settings x {len(FIELDS)} figures, all finite; "
      f"each the mean of {'/'.join(map(str, sorted(seed_counts)))} seed(s), within its [min, max]")
