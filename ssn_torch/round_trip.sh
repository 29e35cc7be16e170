#!/usr/bin/env bash
# The round trip of README "Training at scale", end to end on CamVid: train with torchrun (2 gloo processes), import the
# weights into an ML.NET model zip, evaluate it with `ssn evaluate`, serve it over HTTP and segment one val image.
#
#   ssn_torch/round_trip.sh ../shared/camvid 8 runs/round-trip      # data root, epochs, output folder
#
# Writes OUT/history.json (PyTorch), OUT/camvid.zip, OUT/eval/metrics.json (.NET), OUT/served.json (HTTP answer) and
# OUT/round-trip.json (the figures side by side). Needs Debian's python3-torch and python3-pil, and the .NET SDK.
set -euo pipefail
data=$(realpath "$1"); epochs=$2; out=$(realpath -m "$3")
cd "$(dirname "$0")/.."
mkdir -p "$out"
python=/usr/bin/python3
fixes=$("$python" -c 'from ssn_torch.train import TORCHRUN_FIXES; print(" ".join(TORCHRUN_FIXES))')

start=$(date +%s)
# shellcheck disable=SC2086
torchrun $fixes --nproc_per_node 2 -m ssn_torch.train --data "$data" --format camvid --recipe camvid --epochs "$epochs" \
  --out "$out" 2>&1 | tee "$out/train.log"
train_s=$(( $(date +%s) - start ))

dotnet build -c Release Ssn.MLNet.Samples -v q -nologo >/dev/null
dotnet build -c Release Ssn.MLNet.Serving -v q -nologo >/dev/null
ssn() { dotnet Ssn.MLNet.Samples/bin/Release/net10.0/Ssn.MLNet.Samples.dll "$@"; }
ssn import --weights "$out/model.safetensors" --architecture ssn --classes camvid --out "$out/camvid.zip"
ssn evaluate --model "$out/camvid.zip" --data "$data" --format camvid --split val --out "$out/eval"

port=$(( 20000 + RANDOM % 20000 ))
dotnet Ssn.MLNet.Serving/bin/Release/net10.0/Ssn.MLNet.Serving.dll --Segmentation:ModelPath="$out/camvid.zip" \
  --urls "http://127.0.0.1:$port" >"$out/serving.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
image=$(ls "$data/val"/*.png | head -1)
curl -sf -X POST --data-binary @"$image" -H "Content-Type: image/png" "http://127.0.0.1:$port/segment" >"$out/served.json"

"$python" - "$out" "$train_s" "$image" <<'EOF'
import json, os, sys, time
from ssn_torch import safetensors
out, train_s, image = sys.argv[1], int(sys.argv[2]), sys.argv[3]
classes = json.loads(safetensors.load(os.path.join(out, "model.safetensors"))[1]["ssn.class_names"])
history = json.load(open(os.path.join(out, "history.json")))
metrics = json.load(open(os.path.join(out, "eval", "metrics.json")))
served = json.load(open(os.path.join(out, "served.json")))
report = dict(
    date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    training=dict(launcher="torchrun --nproc_per_node 2 (gloo, CPU)", processes=history["processes"], epochs=len(history["epochs"]),
                  wall_s=train_s, rank_weight_spread=history["rank_weight_spread"], best_epoch=history["best_epoch"],
                  pytorch_val_miou=history["best_val_miou"],
                  images_per_s=[e["images_per_s"] for e in history["epochs"]], loss=[round(e["loss"], 4) for e in history["epochs"]],
                  pytorch_val_iou=dict(zip(classes, history["epochs"][history["best_epoch"] - 1]["val_iou"]))),
    dotnet_evaluate={k: metrics[k] for k in metrics if k == "perClassIoU" or not isinstance(metrics[k], (list, dict))},
    served=dict(image=os.path.basename(image), backend=served.get("backend"), timings=served.get("timings"),
                classes=[(c["name"], c["fraction"]) for c in served.get("classes", [])]))
json.dump(report, open(os.path.join(out, "round-trip.json"), "w"), indent=1)
print(json.dumps(report, indent=1))
EOF
