"""Result file of one `train` run from its log: every epoch's clock time, throughput and val mIoU, the time to given
val mIoU thresholds, and (optionally) the same thresholds read from an earlier result file for comparison.

    python3 tools/recipe-curve/curve.py --log train.log --start 2026-12-07T14:48:49Z --end 2026-12-07T15:45:00Z \
        --metrics eval/metrics.json --baseline docs/results/camvid-recipe-60ep-2026-11-26.json --out result.json \
        --what "..." --command "..." --commit abc1234 --machine "..."

Times are minutes from the process start (`--start`), so they include start-up, class weights and validation.
"""
import argparse, datetime as dt, json, re

LINE = re.compile(r"^\[(\d\d:\d\d:\d\d)\] epoch\s+(\d+)/(\d+): loss ([\d.]+).*?, ([\d.]+) img/s(?:, val mIoU ([\d.]+))?")
THRESHOLDS = (0.55, 0.60, 0.65)


def parse_time(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def epochs_from_log(path, start):
    rows, day = [], start.date()
    for line in open(path, encoding="utf-8"):
        m = LINE.match(line.strip())
        if not m:
            continue
        clock = dt.datetime.combine(day, dt.time.fromisoformat(m.group(1)))
        if clock < start:  # the run crossed midnight
            clock += dt.timedelta(days=1)
        rows.append({"epoch": int(m.group(2)), "clock_utc": m.group(1), "loss": float(m.group(4)),
                     "images_per_s": float(m.group(5)), "val_mIoU": float(m.group(6)) if m.group(6) else None,
                     "elapsed_min": round((clock - start).total_seconds() / 60, 2)})
    if not rows:
        raise SystemExit(f"{path}: no epoch lines")
    return rows


def time_to(epochs, miou_key, threshold):
    """First validated epoch at or above the threshold: (epoch, minutes), or None."""
    for e in epochs:
        if e.get(miou_key) is not None and e[miou_key] >= threshold:
            return {"epoch": e["epoch"], "elapsed_min": e["elapsed_min"]}
    return None


def main():
    a = argparse.ArgumentParser()
    for name in ("log", "start", "end", "metrics", "out", "what", "command", "commit", "machine"):
        a.add_argument("--" + name, required=True)
    a.add_argument("--baseline")
    a.add_argument("--load-note", default="")
    args = a.parse_args()
    start, end = parse_time(args.start), parse_time(args.end)
    epochs = epochs_from_log(args.log, start)
    metrics = json.load(open(args.metrics, encoding="utf-8"))
    validated = [e for e in epochs if e["val_mIoU"] is not None]
    best = max(validated, key=lambda e: e["val_mIoU"])
    result = {
        "what": args.what, "command": args.command, "code_commit": args.commit, "machine": args.machine,
        "load_note": args.load_note, "start_utc": args.start, "end_utc": args.end,
        "process_wall_min": round((end - start).total_seconds() / 60, 2),
        "last_epoch_elapsed_min": epochs[-1]["elapsed_min"],
        "best_epoch": best["epoch"], "best_val_mIoU_during_training": best["val_mIoU"],
        "val_metrics": {k: metrics[k] for k in ("meanIoU", "pixelAccuracy", "meanClassAccuracy", "perClassIoU") if k in metrics},
        "time_to_val_mIoU": {str(t): time_to(epochs, "val_mIoU", t) for t in THRESHOLDS},
        "epochs": epochs,
    }
    if args.baseline:
        base = json.load(open(args.baseline, encoding="utf-8"))
        key = "val_mIoU" if "val_mIoU" in base["epochs"][0] else "val_miou"
        result["baseline"] = {
            "file": args.baseline, "code_commit": base.get("code_commit"), "date": base.get("date"),
            "train_wall_min": base.get("train_wall_minutes", base.get("process_wall_min")),
            "time_to_val_mIoU": {str(t): time_to(base["epochs"], key, t) for t in THRESHOLDS},
        }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps({k: result[k] for k in ("process_wall_min", "best_epoch", "best_val_mIoU_during_training", "time_to_val_mIoU")}))
    if "baseline" in result:
        print(json.dumps(result["baseline"]["time_to_val_mIoU"]))


if __name__ == "__main__":
    main()
