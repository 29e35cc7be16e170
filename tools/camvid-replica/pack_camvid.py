#!/usr/bin/env python3
"""Packs CamVid (SegNet layout, 480x360) into a small folder that can travel to the GPU machine.

Reads   <src>/{train,trainannot,val,valannot}/*.png
Writes  <dst>/meta.json                 names (sorted by file name, as CamVidDataSource lists them), sizes, offsets
        <dst>/{split}_images.bin        the split's images as JPEG files, concatenated (offsets in meta.json)
        <dst>/{split}_labels.npz        np.savez_compressed, array "labels" uint8 [N, H, W], raw CamVid values 0-10, 11 = void

Usage: nice -n 19 python3 tools/camvid-replica/pack_camvid.py [--src ../shared/camvid] [--dst tools/camvid-replica/camvid_pack] [--quality 95]
"""
import argparse
import io
import json
import os
import sys

import numpy as np
from PIL import Image


def pack_split(src, dst, split, quality, subsampling):
    names = sorted(f for f in os.listdir(os.path.join(src, split)) if f.endswith(".png"))
    if not names:
        raise SystemExit(f"no *.png in {os.path.join(src, split)}")
    offsets, lengths, labels = [], [], []
    size = None
    with open(os.path.join(dst, f"{split}_images.bin"), "wb") as blob:
        for name in names:
            im = Image.open(os.path.join(src, split, name)).convert("RGB")
            lab = np.asarray(Image.open(os.path.join(src, split + "annot", name)))
            if lab.ndim != 2:
                raise SystemExit(f"{split}annot/{name}: expected an 8-bit grey map, got shape {lab.shape}")
            if lab.shape != (im.height, im.width):
                raise SystemExit(f"{name}: image {im.size} and label {lab.shape[::-1]} differ in size")
            if lab.max() > 11:
                raise SystemExit(f"{split}annot/{name}: value {lab.max()} (expected 0-10 or void 11)")
            if size is None:
                size = (im.width, im.height)
            elif size != (im.width, im.height):
                raise SystemExit(f"{name}: size {im.size} differs from {size}")
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=quality, subsampling=subsampling)
            data = buf.getvalue()
            offsets.append(blob.tell())
            lengths.append(len(data))
            blob.write(data)
            labels.append(lab.astype(np.uint8))
    np.savez_compressed(os.path.join(dst, f"{split}_labels.npz"), labels=np.stack(labels))
    return {"names": [n[:-4] for n in names], "offsets": offsets, "lengths": lengths,
            "width": size[0], "height": size[1]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--src", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "camvid"))
    p.add_argument("--dst", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "camvid_pack"))
    p.add_argument("--quality", type=int, default=95)
    p.add_argument("--subsampling", type=int, default=2, help="PIL JPEG chroma subsampling: 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0 (default, PIL's at q95)")
    p.add_argument("--splits", default="train,val")
    a = p.parse_args()
    os.makedirs(a.dst, exist_ok=True)
    meta = {"format": "ssn-camvid-pack-1", "jpeg_quality": a.quality, "jpeg_subsampling": a.subsampling,
            "void_value": 11,
            "class_names": ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car",
                            "Pedestrian", "Bicyclist"],
            "splits": {}}
    for split in a.splits.split(","):
        meta["splits"][split] = pack_split(a.src, a.dst, split, a.quality, a.subsampling)
        print(f"{split}: {len(meta['splits'][split]['names'])} images", file=sys.stderr)
    with open(os.path.join(a.dst, "meta.json"), "w") as f:
        json.dump(meta, f)
    total = sum(os.path.getsize(os.path.join(a.dst, f)) for f in os.listdir(a.dst))
    print(f"packed into {a.dst}: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
