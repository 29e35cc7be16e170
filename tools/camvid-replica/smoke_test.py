#!/usr/bin/env python3
"""CPU checks of the replica at tiny sizes (nice -n 19 python3 tools/camvid-replica/smoke_test.py):
1. the vectorised augmentation equals a line-by-line port of the C# loops (SegmentationTransforms.cs);
2. iGUM with zero guidance equals bilinear interpolate (align_corners False), and one guided pixel by hand;
3. the loss falls on a tiny overfit set (4 real images, 96x72 crops), fp32 and bf16 autocast (CPU).
"""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssn_torch  # noqa: E402
import sweep  # noqa: E402

F32 = np.float32


# ---- 1. reference port of the C# augmentation (one sample, CHW float [0,1], labels bytes) ----
def ref_flip(img, lab):
    return img[:, :, ::-1].copy(), lab[:, ::-1].copy()


def ref_scale_and_crop(img, lab, scale, ox, oy, cw, ch):
    _, H, W = img.shape
    sw, sh = sweep.scaled_size(W, H, scale)
    fx, fy = F32(W) / F32(sw), F32(H) / F32(sh)
    out = np.zeros((3, ch, cw), F32)
    olab = np.full((ch, cw), 255, np.uint8)
    for y in range(ch):
        ys = y + oy
        if ys < 0 or ys >= sh:
            continue
        v = min(max((F32(ys) + F32(0.5)) * fy - F32(0.5), F32(0)), F32(H - 1))
        y0 = int(v); y1 = min(y0 + 1, H - 1); yn = min(int((F32(ys) + F32(0.5)) * fy), H - 1)
        ty = F32(v - F32(y0))
        for x in range(cw):
            xs = x + ox
            if xs < 0 or xs >= sw:
                continue
            u = min(max((F32(xs) + F32(0.5)) * fx - F32(0.5), F32(0)), F32(W - 1))
            x0 = int(u); x1 = min(x0 + 1, W - 1); xn = min(int((F32(xs) + F32(0.5)) * fx), W - 1)
            tx = F32(u - F32(x0))
            olab[y, x] = lab[yn, xn]
            for c in range(3):
                top = img[c, y0, x0] * (F32(1) - tx) + img[c, y0, x1] * tx
                bottom = img[c, y1, x0] * (F32(1) - tx) + img[c, y1, x1] * tx
                out[c, y, x] = top * (F32(1) - ty) + bottom * ty
    return out, olab


def ref_adjust(img, b, c, s):
    grey = F32(0.299) * img[0] + F32(0.587) * img[1] + F32(0.114) * img[2]
    mean = F32(float(grey.astype(np.float64).sum()) / grey.size) * b
    g = grey * b
    v = img * b
    v = g + (v - g) * s
    v = mean + (v - mean) * c
    return np.clip(v, 0, 1).astype(F32)


def ref_normalize(img):
    return np.stack([img[c] * (F32(1) / F32(sweep.STD[c])) - F32(sweep.MEAN[c]) / F32(sweep.STD[c]) for c in range(3)])


def test_augmentation():
    rng = np.random.default_rng(0)
    N, H, W = 5, 29, 37
    imgs = rng.integers(0, 256, (N, 3, H, W), dtype=np.uint8)
    labs = rng.integers(0, 12, (N, H, W), dtype=np.uint8)
    labs[labs == 11] = 255
    aug = sweep.Augmenter("cpu")
    worst, checked, padded, cropped = 0.0, 0, 0, 0
    for trial in range(6):
        cfg = dict(sweep.BASE, crop=(24, 20) if trial % 2 == 0 else (40, 32), scale=(0.5, 2.0))
        idx = [int(i) for i in rng.permutation(N)[:4]]
        params = [sweep.draw_params(rng, cfg, W, H) for _ in idx]
        params[0]["flip"] = True
        params[1]["flip"] = False
        x, y = aug.batch(torch.from_numpy(imgs), torch.from_numpy(labs), idx, params)
        for k, (i, p) in enumerate(zip(idx, params)):
            img = imgs[i].astype(F32) * (F32(1) / F32(255))
            lab = labs[i]
            if p["flip"]:
                img, lab = ref_flip(img, lab)
            img, lab = ref_scale_and_crop(img, lab, p["scale"], p["ox"], p["oy"], p["cw"], p["ch"])
            img = ref_adjust(img, p["b"], p["c"], p["s"])
            img = ref_normalize(img)
            assert np.array_equal(y[k].numpy(), lab.astype(np.int64)), f"labels differ (trial {trial}, sample {k})"
            worst = max(worst, float(np.abs(x[k].numpy() - img).max()))
            checked += 1
            padded += p["ox"] < 0 or p["oy"] < 0
            cropped += p["ox"] > 0 or p["oy"] > 0
    assert worst < 1e-5 and padded > 0 and cropped > 0, (worst, padded, cropped)
    print(f"augmentation == C# loop port on {checked} samples ({padded} padded, {cropped} cropped inside, flips): labels exact, image max |diff| {worst:.2e}")


# ---- 2. iGUM ----
def test_igum():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 6, 7)
    zero = torch.zeros(2, 2, 6, 7)
    a = ssn_torch.igum_sample(logits, ssn_torch.igum_grid(zero, 48, 56, 48, 56))
    b = F.interpolate(logits, size=(48, 56), mode="bilinear", align_corners=False)
    d0 = float((a - b).abs().max())
    # one guided pixel by hand (GuidedClassMap.Compute's arithmetic)
    g = torch.tanh(torch.randn(1, 2, 6, 7))
    out = ssn_torch.igum_sample(logits[:1], ssn_torch.igum_grid(g, 48, 56, 48, 56))
    h, w, PH, PW, y, x = 6, 7, 48, 56, 17, 30
    up = F.interpolate(g, size=(PH, PW), mode="bilinear", align_corners=False)[0, :, y, x]
    px = (2 * x + 1) / PW - 1 + float(up[0]) * 2 / w
    py = (2 * y + 1) / PH - 1 + float(up[1]) * 2 / h
    ix = min(max(((px + 1) * w - 1) / 2, 0), w - 1)
    iy = min(max(((py + 1) * h - 1) / 2, 0), h - 1)
    sx, sy = int(math.floor(ix)), int(math.floor(iy))
    ex, ey = ix - sx, iy - sy
    L = logits[0]
    val = (1 - ex) * (1 - ey) * L[:, sy, sx] + ex * (1 - ey) * L[:, sy, min(sx + 1, w - 1)] \
        + (1 - ex) * ey * L[:, min(sy + 1, h - 1), sx] + ex * ey * L[:, min(sy + 1, h - 1), min(sx + 1, w - 1)]
    d1 = float((out[0, :, y, x] - val).abs().max())
    assert d0 < 1e-5 and d1 < 1e-5, (d0, d1)
    print(f"iGUM: zero guidance == bilinear interpolate (max |diff| {d0:.1e}); guided pixel by hand (max |diff| {d1:.1e})")


# ---- 3. overfit ----
def test_overfit(precision, steps=25):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "camvid_pack")
    import json

    meta = json.load(open(os.path.join(root, "meta.json")))
    imgs, labs, _, dec = sweep.load_split(root, meta, "train", 4)
    weights = torch.tensor(sweep.class_weights(labs, "enet"))
    cfg = dict(sweep.BASE, crop=(96, 72), precision=precision)
    rng = np.random.default_rng(1)
    aug = sweep.Augmenter("cpu")
    params = [sweep.draw_params(rng, cfg, imgs.shape[3], imgs.shape[2]) for _ in range(4)]
    x, y = aug.batch(torch.from_numpy(imgs), torch.from_numpy(labs), [0, 1, 2, 3], params)  # one fixed batch
    torch.manual_seed(1)
    model = ssn_torch.SpatialSamplingNetwork(11, deep_dropout=0.1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    model.train()
    losses = []
    t = time.time()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        if precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits, guidance, sizes = model.heads(x)
        else:
            logits, guidance, sizes = model.heads(x)
        out = model.upsample(logits.float(), guidance.float(), sizes)
        loss = F.cross_entropy(out, y, weight=weights, ignore_index=255)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.7 * losses[0], losses
    dt = (time.time() - t) / steps
    print(f"overfit {precision} ({dec} decode; logits dtype under autocast: {logits.dtype}): loss "
          + " ".join(f"{losses[i]:.3f}" for i in sorted({0, 4, 9, 14, 19, steps - 1} & set(range(steps)))) + f"  ({dt:.2f} s/step)")


if __name__ == "__main__":
    test_augmentation()
    test_igum()
    test_overfit("fp32")
    test_overfit("bf16", steps=15)
