#!/usr/bin/env python3
"""Checks the JSON that `preflab --json examples/failure-mode.pref` prints: a record keyed by
loss (sigmoid, dpop, ipo), then edit-distance setting (low, high), each with finite figures for
every field other tools read. Exits 1 with what is missing."""
import json
import math
import sys

FIELDS = ["chosen_logp_change", "rejected_logp_change", "reward_accuracy", "margin",
          "exact_match_before", "exact_match_after", "held_out_logp_before", "held_out_logp_after",
          "chosen_change_on_digits", "chosen_change_on_words"]
# The probe's means are NaN (JSON null) where no pair has a token there, e.g. "before" when
# the answers differ from their first token.
PROBE = ["probe_before", "probe_at", "probe_after"]

with open(sys.argv[1]) as handle:
    results = json.load(handle)
problems = []
if list(results) != ["sigmoid", "dpop", "ipo"]:
    problems.append(f"losses are {list(results)}")
for loss, settings in results.items():
    if list(settings) != ["low", "high"]:
        problems.append(f"{loss}: settings are {list(settings)}")
    for setting, figures in settings.items():
        for field in FIELDS:
            value = figures.get(field)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(f"{loss}.{setting}.{field} = {value!r}")
        for field in PROBE:
            value = figures.get(field, "missing")
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                problems.append(f"{loss}.{setting}.{field} = {value!r}")
        if not 0 <= figures.get("reward_accuracy", -1) <= 1:
            problems.append(f"{loss}.{setting}.reward_accuracy outside [0, 1]")
if problems:
    print("failure-mode.pref --json:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"failure-mode.pref --json: {len(results)} losses x 2 settings x {len(FIELDS)} figures, all finite")
