#!/usr/bin/env python3
"""What `actrec label --persons multi` makes of a street, from its <stem>.frames.csv:
  - moving people labelled walking (or running): of the person-frames whose box centre moves at
    least 0.35 of the track's median box height per second (measured over +-0.5 s), the share
    labelled walking, and walking or running;
  - gesture labels: the share of all person-frames labelled one of --gestures;
  - id changes on crossings (docs/counts/vtest_crossings.tsv: start_frame, end_frame and a
    description naming the place as "x~A-B, y~C-D"): in frames start-5..end+5, tracks whose box
    centre is in that place; an id born there away from the frame's edge (someone already in view
    given a new id), or a track whose centre jumps more than half its height in one frame or
    turns back (speed before and after >= 0.3 heights/s, directions more than 120 degrees apart)
    (ids swapped). A proxy: the overlay of the frames named is what to look at to be sure.
  people_score.py FRAMES_CSV [--crossings TSV] [--gestures a,b,c]  -> text, one line per figure"""
import csv
import math
import re
import sys
from collections import defaultdict

args = sys.argv[1:]
option = lambda name, default: args[args.index(name) + 1] if name in args else default
frames_csv = args[0]
crossings_tsv = option("--crossings", "")
gestures = option("--gestures", "handclapping,boxing,arm_gesture").split(",")

tracks = defaultdict(list)  # person -> [(frame, time_s, cx, cy, h, label, edge)]
with open(frames_csv, newline="") as f:
    for row in csv.DictReader(f):
        x, y, w, h = (float(row[k]) for k in ("x", "y", "w", "h"))
        tracks[row["person"]].append((int(row["frame"]), float(row["time_s"]), x + w / 2,
                                      y + h / 2, h, row["label"], row.get("edge", "0") == "1"))
for seen in tracks.values():
    seen.sort()


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


def velocity(seen, i, before, after):
    """Box centre velocity in track heights/s between the frames before..after seconds of i."""
    t = seen[i][1]
    window = [s for s in seen if t - before <= s[1] <= t + after]
    if len(window) < 2 or window[-1][1] - window[0][1] < 0.3:
        return None
    height = median(s[4] for s in seen)
    dt = window[-1][1] - window[0][1]
    return ((window[-1][2] - window[0][2]) / dt / height, (window[-1][3] - window[0][3]) / dt / height)


person_frames = moving = walking = walking_or_running = gesture = 0
for seen in tracks.values():
    for i, s in enumerate(seen):
        person_frames += 1
        gesture += s[5] in gestures
        v = velocity(seen, i, 0.5, 0.5)
        if v is not None and math.hypot(*v) >= 0.35:
            moving += 1
            walking += s[5] == "walking"
            walking_or_running += s[5] in ("walking", "running")
share = lambda a, b: f"{a} of {b} ({a / b:.3f})" if b else "none"
print(f"person-frames: {person_frames}, tracks: {len(tracks)}")
print(f"moving person-frames labelled walking or running: {share(walking_or_running, moving)}")
print(f"moving person-frames labelled walking: {share(walking, moving)}")
print(f"person-frames labelled {'/'.join(gestures)}: {share(gesture, person_frames)}")

if crossings_tsv:
    total = 0
    with open(crossings_tsv, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            start, end = int(row["start_frame"]) - 5, int(row["end_frame"]) + 5
            place = re.search(r"x~(\d+)-(\d+), y~(\d+)-(\d+)", row["description"])
            x0, x1, y0, y1 = (int(g) for g in place.groups())
            inside = lambda s: x0 <= s[2] <= x1 and y0 <= s[3] <= y1
            born, jumps, turns, ids = [], [], [], []
            for person, seen in tracks.items():
                here = [i for i, s in enumerate(seen) if start <= s[0] <= end and inside(s)]
                if not here:
                    continue
                ids.append(person)
                first = seen[0]
                if start < first[0] <= end and inside(first) and not first[6]:
                    born.append(f"#{person}@{first[0]}")
                for i in here[1:]:
                    a, b = seen[i - 1], seen[i]
                    if b[0] - a[0] <= 2 and math.hypot(b[2] - a[2], b[3] - a[3]) > 0.5 * b[4]:
                        jumps.append(f"#{person}@{b[0]}")
                turned = None
                for i in here:
                    v0, v1 = velocity(seen, i, 0.8, 0), velocity(seen, i, 0, 0.8)
                    if v0 is None or v1 is None or min(math.hypot(*v0), math.hypot(*v1)) < 0.3:
                        continue
                    cos = (v0[0] * v1[0] + v0[1] * v1[1]) / math.hypot(*v0) / math.hypot(*v1)
                    if cos < -0.5:
                        turned = f"#{person}@{seen[i][0]}"
                        break
                if turned:
                    turns.append(turned)
            changes = len(born) + len(jumps) + len(turns)
            total += changes
            print(f"crossing {row['start_frame']}-{row['end_frame']} at x {x0}-{x1}, y {y0}-{y1}: "
                  f"{len(ids)} ids, {changes} id changes (born there {born}, jumps {jumps}, "
                  f"turns {turns})")
    print(f"id changes on crossings: {total}")
