"""Output parity between this twin and the .NET network on the same weights and inputs.

A parity folder holds `weights.safetensors` (the network, options in the header) and `outputs.safetensors` (`images`
and what one runtime computed from them in eval mode). `compare` runs the other runtime on it; `write` makes one from
this runtime. The .NET side is `PyTorchTwinTests` (Ssn.MLNet.Tests), which writes and compares the same files.

    python3 -m ssn_torch.parity compare DIR [--json report.json]   # exit 1 when an output differs by more than 1e-4
    python3 -m ssn_torch.parity write DIR [--network tiny|paper]   # a network trained here a few steps, and its outputs
"""
import argparse
import json
import os
import sys

import torch

from . import safetensors
from .loss import ssn_loss
from .model import NetworkOptions, SpatialSamplingNetwork

TOLERANCE = 1e-4
WEIGHTS, OUTPUTS = "weights.safetensors", "outputs.safetensors"


def outputs(model, images):
    """Eval-mode outputs under the names both runtimes write: stride-8 tables, upsampled logits and centres, class map."""
    model.eval()
    with torch.no_grad():
        heads = model.heads(images)
        logits, centres = model.decode(heads)
    return {"logits8": heads.logits, "guidance": heads.guidance, "instance_guidance": heads.instance_guidance,
            "centres8": heads.centres, "logits": logits, "centres": centres, "class_map": logits.argmax(1)}


def compare(folder):
    """Runs this twin on a parity folder; returns a report with max |difference| per output and class-map agreement."""
    model = SpatialSamplingNetwork.from_safetensors(os.path.join(folder, WEIGHTS))
    expected, meta = safetensors.load(os.path.join(folder, OUTPUTS))
    ours = outputs(model, expected["images"])
    report = {"torch": torch.__version__, "written_by": meta.get("runtime", "?"), "tensors_loaded_strictly": len(model.state_dict()),
              "images": list(expected["images"].shape), "tolerance": TOLERANCE, "outputs": {}}
    worst = 0.0
    for name, value in ours.items():
        theirs = expected[name]
        if name == "class_map":
            report["class_map_agreement"] = (value == theirs).double().mean().item()
            # A pixel whose two best logits lie within the tolerance may flip between runtimes: not a disagreement.
            top2 = ours["logits"].topk(2, dim=1).values
            report["class_map_disagreements_beyond_ties"] = int(((value != theirs) & (top2[:, 0] - top2[:, 1] > 2 * TOLERANCE)).sum())
            continue
        diff = (value - theirs).abs().max().item()
        report["outputs"][name] = {"shape": list(value.shape), "max_abs_diff": diff}
        worst = max(worst, diff)
    report["worst"] = worst
    report["ok"] = worst <= TOLERANCE and report["class_map_disagreements_beyond_ties"] == 0
    return report


def write(folder, steps=20, seed=1, size=(22, 36), options=None, count=2):
    """A parity folder from this runtime: a small network (the .NET `SsnNetworkOptions.Tiny(5)` widths) trained `steps`
    Adam steps on random images, labels and instance targets (so BatchNorm statistics and all three heads are learnt,
    not initial), and its eval-mode outputs on `count` fresh images of `size` (not a multiple of 8: padding is exercised)."""
    torch.manual_seed(seed)
    o = options or NetworkOptions(NumClasses=5, StemChannels=8, MiddleChannels=16, DeepChannels=32, MiddleBlocks=2,
                                  DeepDilations=[2, 4], MiddleDropout=0.0, DeepDropout=0.0, SamplingSteps=10)
    model = SpatialSamplingNetwork(o)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    h, w = 32, 48
    images = torch.randn(4, o.InputChannels, h, w)
    labels = torch.randint(0, o.NumClasses, (4, h, w))
    targets = torch.rand(4, 2, h, w) * 2 - 1
    mask = torch.rand(4, h, w) > 0.5
    model.train()
    for _ in range(steps):
        logits, centres = model(images)
        loss, _, _ = ssn_loss(logits, labels, centres, targets, mask, (h // 8, w // 8))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    os.makedirs(folder, exist_ok=True)
    model.save_safetensors(os.path.join(folder, WEIGHTS))
    fresh = torch.randn(count, o.InputChannels, *size)
    safetensors.save({"images": fresh, **outputs(model, fresh)}, os.path.join(folder, OUTPUTS),
                     {"runtime": f"ssn_torch, torch {torch.__version__}", "steps": str(steps), "seed": str(seed)})
    return model


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m ssn_torch.parity", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare")
    c.add_argument("folder")
    c.add_argument("--json")
    wr = sub.add_parser("write")
    wr.add_argument("folder")
    wr.add_argument("--steps", type=int, default=20)
    wr.add_argument("--seed", type=int, default=1)
    wr.add_argument("--network", choices=["tiny", "paper"], default="tiny",
                    help="tiny: the .NET SsnNetworkOptions.Tiny(5) widths, outputs on 2 x 22x36 images (the committed fixture); "
                         "paper: the paper network with 11 classes, outputs on one 360x480 image")
    args = p.parse_args(argv)
    if args.command == "write":
        if args.network == "paper":
            write(args.folder, args.steps, args.seed, size=(360, 480), options=NetworkOptions(NumClasses=11), count=1)
        else:
            write(args.folder, args.steps, args.seed)
        print(f"wrote {args.folder}/{WEIGHTS} and {OUTPUTS}")
        return 0
    report = compare(args.folder)
    for name, r in report["outputs"].items():
        print(f"{name:18s} {str(tuple(r['shape'])):22s} max |PyTorch - .NET| = {r['max_abs_diff']:.2e}")
    print(f"class map agreement {report['class_map_agreement']:.6f}; worst {report['worst']:.2e} "
          f"({'within' if report['ok'] else 'NOT within'} {TOLERANCE:g}); torch {report['torch']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
