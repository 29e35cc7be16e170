#!/usr/bin/env python3
"""GPU sweep of CamVid recipe variants: a PyTorch replica of Ssn.MLNet's `train --recipe camvid`.

One entry point. Loads tools/camvid-replica/camvid_pack onto the device once per worker process (uint8), augments on the device per
batch with the C# semantics (Ssn.MLNet/Data/Augmentation), trains the paper network (tools/camvid-replica/ssn_torch.py) with the C#
trainer's loop (Ssn.MLNet.Trainers/SpatialSamplingTrainer.cs) and evaluates val mIoU after every epoch.

    python3 tools/camvid-replica/sweep.py --data tools/camvid-replica/camvid_pack --out $OUT --workers 4 --deadline-s 420
    python3 tools/camvid-replica/sweep.py --list
    python3 tools/camvid-replica/sweep.py --device cpu --threads 1 --max-images 4 --crop 96x72 --epochs 1 --out /tmp/smoke   # smoke test

Outputs (appended/updated as it goes, so a timeout keeps what was done):
    OUT/results.jsonl   one line per epoch {"type": "epoch", ...} and per variant end {"type": "final", ...}
    OUT/summary.json    the final record of every variant (rewritten after each variant ends, and at the end)
"""
import argparse
import copy
import io
import json
import math
import os
import queue as queue_mod
import sys
import time
import traceback

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssn_torch  # noqa: E402

IGNORE = 255  # SegmentationDataSource.IgnoreLabel; CamVid void (11) is mapped to it on load
NUM_CLASSES = 11
MEAN = (0.485, 0.456, 0.406)  # ImageNormalization.ImageNet
STD = (0.229, 0.224, 0.225)

# ---------------------------------------------------------------------------------------------------------------
# Recipes. BASE = TrainingRecipes.Camvid() (Ssn.MLNet.Samples/Jobs/TrainingRecipe.cs) on top of the trainer defaults
# (SpatialSamplingTrainerOptions.cs) and AugmentationOptions defaults (flip 0.5, jitter 0.2/0.2/0.2).
# ---------------------------------------------------------------------------------------------------------------
BASE = dict(
    middle_dropout=0.03, deep_dropout=0.1,
    lr=2e-3, weight_decay=1e-4, poly_power=0.9, epochs=45, batch=8,
    crop=(384, 288), scale=(0.75, 1.5), flip=0.5, brightness=0.2, contrast=0.2, saturation=0.2,
    weights="enet", precision="fp32", seed=1,
)

VARIANTS = [  # priority order
    ("base_s1", {}),
    ("base_s2", {"seed": 2}),
    ("base_bf16_s1", {"precision": "bf16"}),
    ("dropout03", {"deep_dropout": 0.3}),
    ("lr1e3", {"lr": 1e-3}),
    ("crop480x360", {"crop": (480, 360)}),
    ("ep55", {"epochs": 55}),
    ("scale05_20", {"scale": (0.5, 2.0)}),
    ("wd5e4", {"weight_decay": 5e-4}),
    ("median_weights", {"weights": "median"}),
    ("combo", {"deep_dropout": 0.3, "lr": 1e-3, "epochs": 55}),
    ("ep150", {"epochs": 150}),
]


def variant_config(name, overrides=None):
    table = dict(VARIANTS)
    if name not in table:
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(table)}")
    cfg = dict(BASE)
    cfg.update(table[name])
    for k, v in (overrides or {}).items():
        if k == "crop" and cfg["crop"] != BASE["crop"]:
            continue  # a variant that changes the crop (crop480x360) keeps its own crop under --crop
        cfg[k] = v
    cfg["name"] = name
    return cfg


def mix_seed(*parts):
    """A distinct 32-bit seed per (run seed, epoch, stream) — the role of SpatialSamplingTrainer.EpochSeed."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------
def _decoder():
    try:
        from PIL import Image

        return "PIL", lambda b: np.asarray(Image.open(io.BytesIO(b)).convert("RGB"))
    except ImportError:
        pass
    try:
        import torchvision.io as tio

        return "torchvision", lambda b: tio.decode_jpeg(torch.frombuffer(bytearray(b), dtype=torch.uint8)).permute(1, 2, 0).numpy()
    except ImportError:
        pass
    import cv2

    return "cv2", lambda b: cv2.cvtColor(cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def load_split(root, meta, split, max_images=0):
    info = meta["splits"][split]
    n = len(info["names"]) if not max_images else min(max_images, len(info["names"]))
    name, decode = _decoder()
    with open(os.path.join(root, f"{split}_images.bin"), "rb") as f:
        blob = f.read()
    images = np.empty((n, 3, info["height"], info["width"]), np.uint8)
    for i in range(n):
        o, l = info["offsets"][i], info["lengths"][i]
        images[i] = decode(blob[o:o + l]).transpose(2, 0, 1)
    labels = np.load(os.path.join(root, f"{split}_labels.npz"))["labels"][:n].copy()
    labels[labels == meta["void_value"]] = IGNORE  # CamVidDataSource.DecodeLabel
    if labels.max(initial=0) != IGNORE and labels.max(initial=0) >= NUM_CLASSES:
        raise SystemExit(f"{split}: label value {labels.max()} out of range")
    return images, labels, info["names"][:n], name


_WEIGHTS = {}


def class_weights(labels, kind):
    key = (id(labels), kind)
    if key not in _WEIGHTS:
        _WEIGHTS[key] = _class_weights(labels, kind)
    return _WEIGHTS[key]


def _class_weights(labels, kind):
    """ClassBalance.Weights: ENet 1/ln(1.02 + p_c), p_c = pixels of c / all pixels (ignored included);
    median frequency: median(f)/f_c, f_c = pixels of c / all pixels of the images that contain c."""
    if kind == "none":
        return None
    pixels = np.zeros(NUM_CLASSES, np.int64)
    with_class = np.zeros(NUM_CLASSES, np.int64)
    total = 0
    for lab in labels:
        counts = np.bincount(lab.ravel(), minlength=256)[:NUM_CLASSES]
        pixels += counts
        with_class += np.where(counts > 0, lab.size, 0)
        total += lab.size
    if kind == "enet":
        return [float(np.float32(1.0 / math.log(1.02 + c / total))) for c in pixels]
    if kind == "median":
        f = np.array([c / w if w > 0 else np.nan for c, w in zip(pixels, with_class)])
        present = np.sort(f[~np.isnan(f)])
        k = len(present)
        median = present[k // 2] if k % 2 == 1 else (present[k // 2 - 1] + present[k // 2]) / 2
        absent = median / present[0]
        return [float(np.float32(absent if np.isnan(v) else median / v)) for v in f]
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------------------------
# Augmentation (SegmentationAugmenter.Apply + SegmentationTransforms), vectorised over a batch on the device
# ---------------------------------------------------------------------------------------------------------------
F32 = np.float32


def draw_params(rng, cfg, width, height):
    """The random choices of SegmentationAugmenter.Apply for one sample, in its order: flip, scale, ox, oy, b, c, s."""
    flip = rng.random() < cfg["flip"]
    lo, hi = cfg["scale"]
    scale = F32(lo) + F32(rng.random()) * (F32(hi) - F32(lo))
    cw, ch = cfg["crop"] if cfg["crop"] else (width, height)
    sw, sh = scaled_size(width, height, scale)

    def offset(size, crop):
        return int(rng.integers(size - crop + 1)) if size >= crop else -int(rng.integers(crop - size + 1))

    ox, oy = offset(sw, cw), offset(sh, ch)
    b = F32(1) + F32(cfg["brightness"]) * (F32(2) * F32(rng.random()) - F32(1))
    c = F32(1) + F32(cfg["contrast"]) * (F32(2) * F32(rng.random()) - F32(1))
    s = F32(1) + F32(cfg["saturation"]) * (F32(2) * F32(rng.random()) - F32(1))
    return dict(flip=flip, scale=scale, ox=ox, oy=oy, cw=cw, ch=ch, b=b, c=c, s=s)


def scaled_size(width, height, scale):
    """SegmentationTransforms.ScaledSize: MathF.Round (half to even) of size * scale in float32, at least 1."""
    return max(1, int(np.rint(F32(width) * F32(scale)))), max(1, int(np.rint(F32(height) * F32(scale))))


def axis_indices(size, scaled, offset, crop):
    """One axis of ScaleAndCrop: window coordinate -> valid, bilinear corners i0/i1 with weight t, nearest index."""
    f = F32(size) / F32(scaled)
    pos = np.arange(crop) + offset
    valid = (pos >= 0) & (pos < scaled)
    p = pos.astype(F32) + F32(0.5)
    u = np.clip(p * f - F32(0.5), F32(0), F32(size - 1)).astype(F32)
    i0 = u.astype(np.int64)
    i1 = np.minimum(i0 + 1, size - 1)
    t = (u - i0.astype(F32)).astype(F32)
    near = np.minimum(np.floor(p * f).astype(np.int64), size - 1)
    near = np.clip(near, 0, size - 1)  # only matters outside the scaled image, where it is masked
    return valid, i0, i1, t, near


class Augmenter:
    def __init__(self, device):
        self.device = device
        self.inv255 = torch.tensor(F32(1) / F32(255), device=device)  # RgbImage.CopyToChw: byte * (1f / 255f)
        self.norm_scale = torch.tensor([F32(1) / F32(s) for s in STD], device=device).view(1, 3, 1, 1)
        self.norm_shift = torch.tensor([F32(m) / F32(s) for m, s in zip(MEAN, STD)], device=device).view(1, 3, 1, 1)

    def to_device(self, array):
        t = torch.from_numpy(array)
        if torch.device(self.device).type == "cuda":
            return t.pin_memory().to(self.device, non_blocking=True)  # no host-device sync per batch
        return t.to(self.device)

    def normalize(self, x):  # ImageNormalization.NormalizeInPlace
        return x * self.norm_scale - self.norm_shift

    def to_float(self, u8):
        return u8.float() * self.inv255

    def batch(self, images_u8, labels_u8, idx, params):
        """images_u8 [N,3,H,W], labels_u8 [N,H,W] (255 = ignore) on the device; idx: list of rows; params: one
        draw_params dict per row. Returns normalised images [B,3,ch,cw] float32 and labels [B,ch,cw] int64."""
        dev = self.device
        _, _, H, W = images_u8.shape
        cw, ch = params[0]["cw"], params[0]["ch"]
        B = len(idx)
        ints, floats = [], []  # everything the batch needs from the host, sent in two copies
        for p in params:
            sw, sh = scaled_size(W, H, p["scale"])
            vx, x0, x1, tx, xn = axis_indices(W, sw, p["ox"], cw)
            vy, y0, y1, ty, yn = axis_indices(H, sh, p["oy"], ch)
            if p["flip"]:  # FlipHorizontal before ScaleAndCrop == reading mirrored source columns
                x0, x1, xn = W - 1 - x0, W - 1 - x1, W - 1 - xn
            ints += [vx.astype(np.int64), x0, x1, xn, vy.astype(np.int64), y0, y1, yn]
            jitter = not (p["b"] == 1 and p["c"] == 1 and p["s"] == 1)
            floats += [tx, ty, np.array([p["b"], p["c"], p["s"], F32(jitter)], F32)]
        ints.append(np.asarray(idx, np.int64))
        ti = self.to_device(np.concatenate(ints))
        tf = self.to_device(np.concatenate(floats).astype(F32))
        per_i, per_f = 4 * cw + 4 * ch, cw + ch + 4
        a = ti[:B * per_i].view(B, per_i)
        vx, x0, x1, xn = (a[:, k * cw:(k + 1) * cw] for k in range(4))
        vy, y0, y1, yn = (a[:, 4 * cw + k * ch:4 * cw + (k + 1) * ch] for k in range(4))
        rows = ti[B * per_i:]
        f = tf.view(B, per_f)
        t = dict(vx=vx.bool(), x0=x0, x1=x1, xn=xn, vy=vy.bool(), y0=y0, y1=y1, yn=yn,
                 tx=f[:, :cw], ty=f[:, cw:cw + ch])
        factors = f[:, cw + ch:]
        src = self.to_float(images_u8.index_select(0, rows))  # [B,3,H,W]
        lab = labels_u8.index_select(0, rows)  # [B,H,W]

        def rows_of(x, yi):  # x [B,C,H,W], yi [B,ch] -> [B,C,ch,W]
            return x.gather(2, yi.view(B, 1, ch, 1).expand(B, x.shape[1], ch, x.shape[3]))

        def cols_of(x, xi):  # x [B,C,ch,W], xi [B,cw] -> [B,C,ch,cw]
            return x.gather(3, xi.view(B, 1, 1, cw).expand(B, x.shape[1], x.shape[2], cw))

        tx = t["tx"].view(B, 1, 1, cw)
        ty = t["ty"].view(B, 1, ch, 1)
        r0, r1 = rows_of(src, t["y0"]), rows_of(src, t["y1"])
        top = cols_of(r0, t["x0"]) * (1 - tx) + cols_of(r0, t["x1"]) * tx
        bottom = cols_of(r1, t["x0"]) * (1 - tx) + cols_of(r1, t["x1"]) * tx
        img = top * (1 - ty) + bottom * ty
        valid = (t["vy"].view(B, ch, 1) & t["vx"].view(B, 1, cw))
        img = torch.where(valid.unsqueeze(1), img, torch.zeros((), device=dev))  # padding: image 0
        lab = cols_of(rows_of(lab.unsqueeze(1), t["yn"]), t["xn"]).squeeze(1)
        lab = torch.where(valid, lab, torch.full((), IGNORE, dtype=lab.dtype, device=dev))  # padding: ignore

        # SegmentationTransforms.AdjustColor (skipped when all three factors are exactly 1, as in the C#)
        b, c, s = (factors[:, k].reshape(B, 1, 1, 1).contiguous() for k in range(3))
        grey = (0.299 * img[:, 0:1] + 0.587 * img[:, 1:2]) + 0.114 * img[:, 2:3]  # float32, as the C#
        mean = (grey.double().sum((2, 3), keepdim=True) / (ch * cw)).float() * b
        gb = grey * b
        v = img * b
        v = gb + (v - gb) * s
        v = mean + (v - mean) * c
        img = torch.where(factors[:, 3].view(B, 1, 1, 1) > 0, v.clamp(0, 1), img)
        return self.normalize(img), lab.long()


# ---------------------------------------------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------------------------------------------
def evaluate(model, aug, images_u8, labels_u8, batch):
    """SpatialSamplingTrainer.Validate: eval mode (BN statistics; the C# folds BN, the same function), full image,
    iGUM bilinear, argmax, one confusion matrix over the split, void ignored, mean IoU = nanmean over classes."""
    model.eval()
    dev = images_u8.device
    cm = torch.zeros(NUM_CLASSES * NUM_CLASSES, dtype=torch.int64, device=dev)
    with torch.no_grad():
        for i in range(0, images_u8.shape[0], batch):
            x = aug.normalize(aug.to_float(images_u8[i:i + batch]))
            pred = model(x).argmax(1)
            gt = labels_u8[i:i + batch].long()
            m = gt != IGNORE
            cm += torch.bincount(gt[m] * NUM_CLASSES + pred[m], minlength=NUM_CLASSES * NUM_CLASSES)
    cm = cm.view(NUM_CLASSES, NUM_CLASSES).cpu().double()
    tp = cm.diag()
    denom = cm.sum(0) + cm.sum(1) - tp
    iou = torch.where(denom > 0, tp / denom.clamp(min=1), torch.full_like(tp, float("nan")))
    valid = ~torch.isnan(iou)
    miou = float(iou[valid].mean()) if valid.any() else float("nan")
    return miou, [None if math.isnan(v) else round(float(v), 5) for v in iou]


def append_jsonl(path, record):
    import fcntl

    line = json.dumps(record) + "\n"
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)
        f.flush()
        fcntl.flock(f, fcntl.LOCK_UN)


def run_variant(cfg, data, device, deadline, out_dir, log):
    t0 = time.time()
    train_u8, train_lab, val_u8, val_lab, histogram_labels = data
    weights = class_weights(histogram_labels, cfg["weights"])
    aug = Augmenter(device)
    torch.manual_seed(cfg["seed"])  # weight initialisation
    model = ssn_torch.SpatialSamplingNetwork(NUM_CLASSES, middle_dropout=cfg["middle_dropout"],
                                             deep_dropout=cfg["deep_dropout"]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8,
                           weight_decay=cfg["weight_decay"])  # L2 added to the gradient, as AdamOptimizer.cs
    w = None if weights is None else torch.tensor(weights, dtype=torch.float32, device=device)
    bf16 = cfg["precision"] == "bf16"
    dev_type = torch.device(device).type
    n, _, H, W = train_u8.shape
    E = cfg["epochs"]
    best = dict(miou=float("nan"), epoch=0, per_class=None)
    status, epochs_done, last_miou = "done", 0, float("nan")
    for epoch in range(E):
        lr = cfg["lr"] * (1.0 - epoch / E) ** cfg["poly_power"]  # poly, per epoch
        for g in opt.param_groups:
            g["lr"] = lr
        torch.manual_seed(mix_seed(cfg["seed"], epoch, 1))  # dropout stream
        rng = np.random.default_rng(mix_seed(cfg["seed"], epoch, 2))  # shuffle + augmentation stream
        order = rng.permutation(n)
        model.train()
        te = time.time()
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        batches = 0
        stopped = False
        for s in range(0, n, cfg["batch"]):  # the last incomplete batch is kept
            idx = order[s:s + cfg["batch"]].tolist()
            params = [draw_params(rng, cfg, W, H) for _ in idx]
            x, y = aug.batch(train_u8, train_lab, idx, params)
            opt.zero_grad(set_to_none=True)
            if bf16:
                with torch.autocast(dev_type, dtype=torch.bfloat16):
                    logits, guidance, sizes = model.heads(x)
            else:
                logits, guidance, sizes = model.heads(x)
            out = model.upsample(logits.float(), guidance.float(), sizes)  # upsampling and loss in fp32
            loss = F.cross_entropy(out, y, weight=w, ignore_index=IGNORE)
            loss.backward()
            opt.step()
            loss_sum += loss.detach().double()
            batches += 1
            if time.time() > deadline:
                stopped = True
                break
        if stopped:
            status = "deadline"
            log(f"[{cfg['name']}] deadline reached in epoch {epoch + 1}/{E} (after {batches} batches); "
                f"{epochs_done} epochs complete")
            break
        train_loss = float(loss_sum) / batches
        train_s = time.time() - te
        miou, per_class = evaluate(model, aug, val_u8, val_lab, 8)
        epochs_done = epoch + 1
        last_miou = miou
        if not (miou <= best["miou"]):  # also true while best is NaN (C#: !(meanIoU <= bestIoU))
            best = dict(miou=miou, epoch=epoch + 1, per_class=per_class)
        rec = dict(type="epoch", variant=cfg["name"], epoch=epoch + 1, epochs=E, train_loss=round(train_loss, 5),
                   lr=lr, val_miou=round(miou, 5), per_class_iou=per_class, epoch_train_s=round(train_s, 2),
                   epoch_s=round(time.time() - te, 2), elapsed_s=round(time.time() - t0, 1),
                   images_per_s=round(n / train_s, 1), best_miou=round(best["miou"], 5), best_epoch=best["epoch"])
        append_jsonl(os.path.join(out_dir, "results.jsonl"), rec)
        log(f"[{cfg['name']}] epoch {epoch + 1}/{E} loss {train_loss:.4f} lr {lr:.3g} val mIoU {miou:.4f} "
            f"(best {best['miou']:.4f} @ {best['epoch']}) {rec['epoch_s']:.1f}s")
        if not math.isfinite(train_loss):
            status = "diverged"
            break
    return dict(type="final", variant=cfg["name"], status=status, epochs_done=epochs_done, epochs=E,
                best_miou=None if math.isnan(best["miou"]) else round(best["miou"], 5), best_epoch=best["epoch"],
                best_per_class_iou=best["per_class"],
                last_miou=None if math.isnan(last_miou) else round(last_miou, 5),
                seconds=round(time.time() - t0, 1),
                seconds_per_epoch=round((time.time() - t0) / max(epochs_done, 1), 2),
                class_weights=None if weights is None else [round(v, 4) for v in weights],
                config={k: v for k, v in cfg.items() if k != "name"})


def worker(wid, args, overrides, tasks, results, start_time):
    device = args.device
    precision_note = ""
    if torch.device(device).type == "cpu":
        torch.set_num_threads(args.threads)
    else:
        torch.backends.cudnn.benchmark = True
        try:  # real fp32 for the fp32 variants (the bf16 variant uses autocast)
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
        except Exception as e:  # noqa: BLE001
            precision_note = f" (setting allow_tf32 failed: {e})"
        precision_note = (f", cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
                          f"matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}, "
                          f"cudnn.benchmark={torch.backends.cudnn.benchmark}") + precision_note
    deadline = start_time + args.deadline_s

    def log(msg):
        print(f"{time.time() - start_time:7.1f}s w{wid} {msg}", flush=True)

    try:
        with open(os.path.join(args.data, "meta.json")) as f:
            meta = json.load(f)
        tr_img, tr_lab, _, dec = load_split(args.data, meta, "train", args.max_images)
        va_img, va_lab, _, _ = load_split(args.data, meta, "val", args.max_images)
        data = (torch.from_numpy(tr_img).to(device), torch.from_numpy(tr_lab).to(device),
                torch.from_numpy(va_img).to(device), torch.from_numpy(va_lab).to(device), tr_lab)
        log(f"loaded {len(tr_img)} train / {len(va_img)} val images ({dec}) on {device} "
            f"(torch {torch.__version__}{precision_note})")
    except Exception:
        log("failed to load the data:\n" + traceback.format_exc())
        return
    while True:
        remaining = deadline - time.time()
        if remaining < args.min_start_s:
            log(f"deadline: no new variant ({remaining:.0f}s left)")
            return
        try:
            name = tasks.get_nowait()
        except queue_mod.Empty:
            return
        cfg = variant_config(name, overrides)
        log(f"start {name}: {json.dumps({k: v for k, v in cfg.items() if k != 'name'})}")
        try:
            final = run_variant(cfg, data, device, deadline, args.out, log)
        except Exception:
            final = dict(type="final", variant=name, status="error", error=traceback.format_exc()[-3000:])
            log(f"[{name}] error:\n{final['error']}")
        final["worker"] = wid
        append_jsonl(os.path.join(args.out, "results.jsonl"), final)
        results.put(final)
        if torch.device(device).type == "cuda":
            torch.cuda.empty_cache()


def write_summary(path, names, finals, args, started, done):
    rows = []
    for n in names:
        rows.append(finals.get(n, dict(type="final", variant=n, status="not_started" if done else "pending")))
    with open(path + ".tmp", "w") as f:
        json.dump(dict(args=vars(args), wall_s=round(time.time() - started, 1), complete=done, variants=rows), f, indent=1)
    os.replace(path + ".tmp", path)
    return rows


def print_table(rows):
    print(f"{'variant':<16}{'status':<12}{'epochs':>9}{'best mIoU':>11}{'@ep':>5}{'last':>8}{'s':>8}{'s/ep':>7}")
    for r in rows:
        ep = f"{r.get('epochs_done', 0)}/{r.get('epochs', '?')}" if "epochs" in r else "-"
        fmt = lambda v: f"{v:.4f}" if isinstance(v, float) else "-"  # noqa: E731
        print(f"{r['variant']:<16}{r['status']:<12}{ep:>9}{fmt(r.get('best_miou')):>11}{r.get('best_epoch', '-')!s:>5}"
              f"{fmt(r.get('last_miou')):>8}{r.get('seconds', '-')!s:>8}{r.get('seconds_per_epoch', '-')!s:>7}")
    for r in rows:
        if r.get("best_per_class_iou"):
            print(f"  {r['variant']:<16}" + " ".join("  -  " if v is None else f"{v:.3f}" for v in r["best_per_class_iou"]))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--data", default=os.path.join(here, "camvid_pack"))
    p.add_argument("--out", default=os.environ.get("OUT", "sweep-out"))
    p.add_argument("--device", default="cuda")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--deadline-s", type=float, default=420, help="global wall clock from start: no variant starts after it, running ones stop at it")
    p.add_argument("--min-start-s", type=float, default=45, help="do not start a variant with less than this left before the deadline")
    p.add_argument("--variants", default="", help="comma list (priority order); default: the whole table")
    p.add_argument("--list", action="store_true")
    p.add_argument("--threads", type=int, default=1, help="torch threads per worker on --device cpu")
    p.add_argument("--max-images", type=int, default=0, help="use the first N train and N val images (smoke test)")
    p.add_argument("--crop", default="", help="WxH: override the default crop (variants with their own crop keep it)")
    p.add_argument("--epochs", type=int, default=0, help="override every variant's epochs")
    p.add_argument("--batch", type=int, default=0, help="override the batch size")
    args = p.parse_args()

    if args.list:
        for n, o in VARIANTS:
            print(f"{n:<16}{json.dumps(o)}")
        print(f"base: {json.dumps(BASE)}")
        return
    overrides = {}
    if args.crop:
        w, h = (int(v) for v in args.crop.lower().split("x"))
        overrides["crop"] = (w, h)
    if args.epochs:
        overrides["epochs"] = args.epochs
    if args.batch:
        overrides["batch"] = args.batch
    names = [n.strip() for n in args.variants.split(",") if n.strip()] or [n for n, _ in VARIANTS]
    for n in names:
        variant_config(n)  # validates the names
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    print(f"sweep: {len(names)} variants, {args.workers} workers, device {args.device}, deadline {args.deadline_s:.0f}s, "
          f"torch {torch.__version__}", flush=True)

    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    for n in names:
        tasks.put(n)
    time.sleep(0.2)  # let the feeder thread fill the queue before workers poll it
    procs = [ctx.Process(target=worker, args=(i, args, overrides, tasks, results, started), daemon=False)
             for i in range(max(1, min(args.workers, len(names))))]
    for pr in procs:
        pr.start()
    finals = {}
    summary = os.path.join(args.out, "summary.json")
    write_summary(summary, names, finals, args, started, False)
    while any(pr.is_alive() for pr in procs) or not results.empty():
        try:
            r = results.get(timeout=1.0)
            finals[r["variant"]] = r
            write_summary(summary, names, finals, args, started, False)
        except queue_mod.Empty:
            pass
    for pr in procs:
        pr.join()
    rows = write_summary(summary, names, finals, args, started, True)
    print(f"\nsweep finished in {time.time() - started:.0f}s", flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
