#!/usr/bin/env python3
"""What the labels claim on video in which nobody falls, from `actrec label` outputs:
falling runs of at least 0.25 s and 0.5 s, runs of the classes given (e.g. jumping, running) of at
least 0.5 s, and fall events, in all and per person-hour.
  negatives.py FRAMES_CSV [EVENTS_JSON] [--classes jumping,running]   -> one Markdown row"""
import csv
import json
import sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if not a.startswith("--")]
classes = ["jumping", "running"]
if "--classes" in sys.argv:
    classes = sys.argv[sys.argv.index("--classes") + 1].split(",")
    args = [a for a in args if a != sys.argv[sys.argv.index("--classes") + 1]]
frames_csv = args[0]
events = json.load(open(args[1]))["events"] if len(args) > 1 else []

rows = defaultdict(list)  # person -> [(time_s, label)]
with open(frames_csv, newline="") as f:
    for row in csv.DictReader(f):
        rows[row.get("person", "0")].append((float(row["time_s"]), row["label"]))

person_seconds = 0.0
runs = defaultdict(list)  # label -> lengths in s
for person, seen in rows.items():
    seen.sort()
    period = min((b[0] - a[0] for a, b in zip(seen, seen[1:]) if b[0] > a[0]), default=0.1)
    person_seconds += len(seen) * period
    start = 0
    for i in range(1, len(seen) + 1):
        # A run: the same label on frames no more than 1.5 periods apart.
        if i < len(seen) and seen[i][1] == seen[start][1] and seen[i][0] - seen[i - 1][0] <= 1.5 * period:
            continue
        runs[seen[start][1]].append(seen[i - 1][0] - seen[start][0] + period)
        start = i

hours = person_seconds / 3600
falls = sum(1 for e in events if e["event"] == "fall")
count = lambda label, s: sum(1 for r in runs[label] if r >= s - 1e-9)
cells = [f"{person_seconds:.0f}", f"{count('falling', 0.25)}", f"{count('falling', 0.5)}"]
cells += [f"{count(c, 0.5)}" for c in classes]
cells += [f"{falls}", f"{count('falling', 0.5) / hours:.0f}", f"{falls / hours:.1f}"]
print(" | ".join(cells))
