"""Loads the C# network's safetensors weights into the PyTorch module of tools/camvid-replica/ssn_torch.py (strict:
every name and shape must match) and checks that the same image gives the same outputs to 1e-4.

    dotnet fsi tools/pytorch-crosscheck/dump.fsx <model.zip | random> <image.png> /tmp/xcheck
    python3 tools/pytorch-crosscheck/crosscheck.py /tmp/xcheck

Needs only torch (Debian: apt-get install python3-torch, 1.13) — the safetensors file is parsed here, so the
`safetensors` package is not needed. Exits 1 when an output differs by more than the tolerance.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "camvid-replica"))
from ssn_torch import SpatialSamplingNetwork  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}
TOLERANCE = 1e-4


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[base + begin:base + end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, header.get("__metadata__", {})


def read_raw(folder, name):
    with open(os.path.join(folder, name + ".shape")) as f:
        shape = [int(d) for d in f.read().split(",")]
    return torch.from_numpy(np.fromfile(os.path.join(folder, name + ".f32"), dtype=np.float32).reshape(shape))


def main(folder, out=None):
    state, metadata = read_safetensors(os.path.join(folder, "weights.safetensors"))
    o = json.loads(metadata["ssn.network_options"])
    model = SpatialSamplingNetwork(o["NumClasses"], middle_dropout=o["MiddleDropout"], deep_dropout=o["DeepDropout"],
                                   offset_scale=o["GuidanceOffsetScale"], in_ch=o["InputChannels"], stem=o["StemChannels"],
                                   middle=o["MiddleChannels"], deep=o["DeepChannels"], middle_blocks=o["MiddleBlocks"],
                                   deep_dilations=tuple(o["DeepDilations"]))
    model.load_state_dict(state, strict=True)  # every name and shape, both ways
    model.eval()
    x = read_raw(folder, "input")
    with torch.no_grad():
        logits, guidance, sizes = model.heads(x)
        upsampled = model.upsample(logits, guidance, sizes)
    worst = 0.0
    result = {"torch": torch.__version__, "tensors_loaded_strictly": len(state), "tolerance": TOLERANCE, "outputs": {}}
    for name, ours in (("logits", logits), ("guidance", guidance), ("upsampled", upsampled)):
        theirs = read_raw(folder, name)
        diff = (ours - theirs).abs().max().item()
        agree = (ours.argmax(1) == theirs.argmax(1)).float().mean().item() if name != "guidance" else float("nan")
        print(f"{name:9s} {tuple(ours.shape)}: max |PyTorch - C#| = {diff:.2e}" +
              ("" if name == "guidance" else f", argmax agrees on {agree:.4%} of the pixels"))
        worst = max(worst, diff)
        result["outputs"][name] = {"shape": list(ours.shape), "max_abs_diff": diff, "argmax_agreement": None if name == "guidance" else agree}
    print(f"torch {torch.__version__}; {len(state)} tensors loaded strictly; worst difference {worst:.2e} "
          f"({'within' if worst <= TOLERANCE else 'OVER'} {TOLERANCE:g})")
    if out:
        result["worst"] = worst
        with open(out, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    # crosscheck.py <dump folder> [result.json]
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
