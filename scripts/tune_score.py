#!/usr/bin/env python3
"""One table row from the eval.json files in the folders given (the folds of scripts/tune.sh, or
scripts/evaluate.sh's UP-Fall run): frame accuracy over all frames; edit and F1@25 as the mean
over folders; fall clips where a falling run (at least the eval's --min-event-s) was found and
where a fall event was raised (a falling run, then down: what an alarm is raised for); other
clips with a false falling run and with a false fall event; falling runs of at least 0.5 s and
fall events per hour of video in which nobody falls; clips without a fall whose majority label
is right."""
import json
import sys

frames = correct = 0
found = falls = false = without = raised = raised_false = calm = calm_right = 0
hours = long_runs = 0.0
segmental = {"edit": [], "f1@25": []}
for folder in sys.argv[1:]:
    j = json.load(open(folder + "/eval.json"))
    frames += j["frames"]
    correct += j["frames"] * j["frame_accuracy"]
    for key, values in segmental.items():
        values.append(j[key])
    e = j["events"]["falling"]
    found, falls = found + e["found"], falls + e["videos_with"]
    false, without = false + e["false_alarms"], without + e["videos_without"]
    r = j.get("raised_events") or {}
    raised += r.get("found", 0)
    raised_false += r.get("false_alarms", 0)
    for v in j["per_video"]:
        has_fall = "falling" in v["truth_labels"]
        if not has_fall and v["majority_truth"] is not None:
            hours += v.get("seconds", 0) / 3600
            long_runs += sum(1 for run in v.get("raised_class_runs_s", []) if run >= 0.5)
        if v["majority_truth"] is None or has_fall:
            continue  # a clip with a fall (or nothing scored): not a daily-living clip
        calm += 1
        calm_right += v["majority_predicted"] == v["majority_truth"]
mean = {key: sum(values) / len(values) for key, values in segmental.items()}
per_hour = lambda n: n / hours if hours > 0 else float("nan")
print("%.1f%% | %.1f | %.1f | %d of %d | %d of %d | %d of %d | %d of %d | %.0f | %.0f | %d of %d" % (
    100 * correct / frames, mean["edit"], mean["f1@25"], found, falls, raised, falls, false,
    without, raised_false, without, per_hour(long_runs), per_hour(raised_false), calm_right, calm))
