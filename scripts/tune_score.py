#!/usr/bin/env python3
"""One table row from the eval.json files in the folders given (the folds of scripts/tune.sh, or
scripts/evaluate.sh's UP-Fall run): frame accuracy over all frames, edit and F1@{10,25,50} as
the mean over folders, fall clips with a fall found, other clips with a false fall, and clips
without a fall whose majority label is right."""
import json
import sys

frames = correct = found = falls = false = without = calm = calm_right = 0
segmental = {"edit": [], "f1@10": [], "f1@25": [], "f1@50": []}
for folder in sys.argv[1:]:
    j = json.load(open(folder + "/eval.json"))
    frames += j["frames"]
    correct += j["frames"] * j["frame_accuracy"]
    for key, values in segmental.items():
        values.append(j[key])
    e = j["events"]["falling"]
    found, falls = found + e["found"], falls + e["videos_with"]
    false, without = false + e["false_alarms"], without + e["videos_without"]
    for v in j["per_video"]:
        if v["majority_truth"] is None or "falling" in v["truth_labels"]:
            continue  # a clip with a fall (or nothing scored): not a daily-living clip
        calm += 1
        calm_right += v["majority_predicted"] == v["majority_truth"]
mean = {key: sum(values) / len(values) for key, values in segmental.items()}
print("%.1f%% | %.1f | %.1f | %.1f | %.1f | %d of %d | %d of %d | %d of %d" % (
    100 * correct / frames, mean["edit"], mean["f1@10"], mean["f1@25"], mean["f1@50"],
    found, falls, false, without, calm_right, calm))
