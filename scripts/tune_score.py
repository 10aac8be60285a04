#!/usr/bin/env python3
"""One row of tune.sh's table from the eval.json files of its folds (see scripts/tune.sh)."""
import json
import sys

frames = correct = found = falls = false = without = calm = calm_right = 0
f25 = []
for folder in sys.argv[1:]:
    j = json.load(open(folder + "/eval.json"))
    frames += j["frames"]
    correct += j["frames"] * j["frame_accuracy"]
    f25.append(j["f1@25"])
    e = j["events"]["falling"]
    found, falls = found + e["found"], falls + e["videos_with"]
    false, without = false + e["false_alarms"], without + e["videos_without"]
    for v in j["per_video"]:
        if v["majority_truth"] is None or "falling" in v["truth_labels"]:
            continue  # a clip with a fall (or nothing scored): not a daily-living clip
        calm += 1
        calm_right += v["majority_predicted"] == v["majority_truth"]
print("%.1f%% | %.1f | %d of %d | %d of %d | %d of %d" % (
    100 * correct / frames, sum(f25) / len(f25), found, falls, false, without, calm_right, calm))
