"""Trains the Spatial Sampling Network with PyTorch's distributed engine — the same network, recipe and loss as
`ssn train` (Ssn.MLNet.Trainers/SpatialSamplingTrainer.cs) — and writes weights the .NET library loads.

    torchrun --nproc_per_node 2 -m ssn_torch.train --data ../shared/camvid --format camvid --recipe camvid --out runs/camvid
    python3 -m ssn_torch.train ...                   # one process, same code (no torchrun needed)
    ssn import --weights runs/camvid/model.safetensors --architecture ssn --classes camvid --out camvid.zip

One process per GPU (NCCL) or per group of CPU cores (gloo). DistributedDataParallel averages the gradients; a
DistributedSampler deals each epoch's shuffled images to the ranks. `--batch-size` is the global batch (the recipe's 8
whatever the number of processes), split evenly over the ranks, so 1 and N processes run the same optimisation apart
from BatchNorm, whose statistics stay per process on CPUs (SyncBatchNorm needs GPUs: `--sync-batchnorm`).

Per epoch, as the .NET trainer: poly learning rate, a seeded dropout stream and augmentation stream, validation every
`--validate-every` epochs and after the last (confusion matrix summed over the ranks), the best validated epoch kept.
Outputs in --out: `checkpoint.pt` after every epoch (model, Adam state, epoch, history: `--resume` continues
bit-exactly), `model.safetensors` (the best validated epoch, or the last without validation; network options, class
names and normalisation in the header) and `history.json` (loss, learning rate, val mIoU, images/s per epoch).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from . import data as D
from .loss import ssn_loss
from .model import OUTPUT_STRIDE, NetworkOptions, SpatialSamplingNetwork

# Debian's torch 1.13 under Python 3.11: torchrun's default --redirects/--tee 0 maps to no stream (Python 3.11 no longer
# iterates a Flag's zero member) and the launcher fails at start; 1 (stdout, tee'd to the console) works. torch 2.x is fixed.
TORCHRUN_FIXES = ["--redirects", "1", "--tee", "1"] if torch.__version__ < "2" else []

# TrainingRecipes.cs: "paper" = SpatialSamplingTrainerOptions' defaults (§6); "camvid" = TrainingRecipes.Camvid();
# "camvidfast" = TrainingRecipes.CamvidFast() (progressive resizing: the first epochs at half resolution).
RECIPES = {
    "paper": dict(epochs=150, batch_size=8, lr=5e-4, weight_decay=1e-4, poly_power=0.9, middle_dropout=0.03, deep_dropout=0.3,
                  class_weighting="enet", validate_every=1, min_scale=0.5, max_scale=2.0, crop=None),
    "camvid": dict(epochs=60, batch_size=8, lr=2e-3, weight_decay=1e-4, poly_power=0.9, middle_dropout=0.03, deep_dropout=0.1,
                   class_weighting="enet", validate_every=2, min_scale=0.75, max_scale=1.5, crop=(384, 288)),
}
RECIPES["camvidfast"] = dict(RECIPES["camvid"], low_res_epochs=12)  # TrainingRecipes.CamvidFast()
for recipe in RECIPES.values():
    recipe.setdefault("low_res_epochs", 0)
    recipe.setdefault("low_res_scale", 0.5)


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="torchrun --nproc_per_node N -m ssn_torch.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="dataset root")
    p.add_argument("--format", required=True, choices=["camvid", "cityscapes"])
    p.add_argument("--recipe", default="paper", choices=sorted(RECIPES), help="defaults for every option below (default paper)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, help="global mini-batch, split over the processes")
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--poly-power", type=float)
    p.add_argument("--middle-dropout", type=float)
    p.add_argument("--deep-dropout", type=float)
    p.add_argument("--class-weighting", choices=["none", "enet", "median"])
    p.add_argument("--validate-every", type=int, help="validate every K epochs and after the last (0: never)")
    p.add_argument("--min-scale", type=float)
    p.add_argument("--max-scale", type=float)
    p.add_argument("--crop", help="WxH random crop (default: the recipe's; 'none' keeps the image size)")
    p.add_argument("--low-res-epochs", type=int, help="train the first N epochs at --low-res-scale times the resolution, unvalidated (LowResolutionEpochs)")
    p.add_argument("--low-res-scale", type=float, help="resolution factor of those epochs (default 0.5)")
    p.add_argument("--instance-loss", default="l2", choices=["l2", "l1", "smooth_l1"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--init-weights", help=".safetensors to start from (e.g. `ssn export`), loaded strictly")
    p.add_argument("--resume", help="checkpoint.pt of an interrupted run with the same options")
    p.add_argument("--max-images", type=int, default=0, help="first N train and val images (smoke runs)")
    p.add_argument("--max-steps", type=int, default=0, help="stop each epoch after N steps (throughput runs)")
    p.add_argument("--stop-after", type=int, default=0, help="stop after epoch N with its checkpoint written (time-boxed jobs; --resume continues)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (default: cores / local processes)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (one GPU per local rank)")
    p.add_argument("--sync-batchnorm", action="store_true", help="SyncBatchNorm over the ranks (GPUs only)")
    args = p.parse_args(argv)
    for key, value in RECIPES[args.recipe].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    if isinstance(args.crop, str):
        args.crop = None if args.crop.lower() == "none" else tuple(int(v) for v in args.crop.lower().split("x"))
    for name in ("epochs", "batch_size"):
        if getattr(args, name) <= 0:
            raise SystemExit(f"--{name.replace('_', '-')} must be positive, not {getattr(args, name)}")
    if not 0 <= args.low_res_epochs < args.epochs:
        raise SystemExit(f"--low-res-epochs must be in [0, --epochs), not {args.low_res_epochs}")
    if args.low_res_epochs and not args.crop:
        raise SystemExit("--low-res-epochs needs a --crop")
    return args


class Distributed:
    """The process group from torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, ...), or a single process."""

    def __init__(self, device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(self.world)))
        self.device = torch.device(device if device != "cuda" else f"cuda:{self.local_rank}")
        if self.world > 1:
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    @property
    def main(self):
        return self.rank == 0

    def sum(self, tensor):
        if self.world > 1:
            dist.all_reduce(tensor)
        return tensor

    def broadcast_buffers(self, module):
        """Rank 0's BatchNorm statistics to every rank (DDP broadcasts them before each forward, so after the last step
        each rank holds its own update): validation and the saved network then see the same statistics everywhere."""
        if self.world > 1:
            for b in module.buffers():
                dist.broadcast(b, 0)

    def weight_spread(self, module):
        """Largest |difference| of any parameter or buffer between the ranks (0.0 when they hold identical weights, as
        DDP promises): each rank's weights are gathered on every rank and compared."""
        if self.world == 1:
            return 0.0
        flat = torch.cat([t.detach().double().reshape(-1) for t in module.state_dict().values()])
        gathered = [torch.empty_like(flat) for _ in range(self.world)]
        dist.all_gather(gathered, flat)
        return max((g - gathered[0]).abs().max().item() for g in gathered)

    def close(self):
        if self.world > 1:
            dist.destroy_process_group()


def evaluate(model, split, ranks, num_classes, batch=4):
    """Val mIoU as SpatialSamplingTrainer.Validate: eval mode, whole images, argmax of the iGUM-upsampled logits, one
    confusion matrix over the split (this rank's share, summed over the ranks), void ignored, mean over the classes that
    occur in the labels or the predictions."""
    model.eval()
    cm = torch.zeros(num_classes * num_classes, dtype=torch.int64, device=ranks.device)
    rows = list(range(ranks.rank, len(split.images), ranks.world))
    with torch.no_grad():
        for i in range(0, len(rows), batch):
            idx = rows[i:i + batch]
            x = D.normalize(D.to_unit(torch.from_numpy(split.images[idx]).to(ranks.device)))
            pred = model(x, instances=False)[0].argmax(1)
            gt = torch.from_numpy(split.labels[idx]).to(ranks.device).long()
            m = gt != D.IGNORE
            cm += torch.bincount(gt[m] * num_classes + pred[m], minlength=num_classes * num_classes)
    cm = ranks.sum(cm).view(num_classes, num_classes).double().cpu()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp
    present = union > 0
    iou = tp / union.clamp(min=1)
    return float(iou[present].mean()) if present.any() else float("nan"), [round(float(v), 5) if u > 0 else None for v, u in zip(iou, union)]


def save_atomically(obj, path):
    tmp = f"{path}.tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(args):
    ranks = Distributed(args.device)
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // ranks.local_world))
    log = (lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)) if ranks.main else (lambda msg: None)
    if args.batch_size % ranks.world:
        raise SystemExit(f"--batch-size {args.batch_size} does not split evenly over {ranks.world} processes")
    per_rank = args.batch_size // ranks.world

    train_split = D.load_split(args.data, args.format, "train", args.max_images)
    val_split = D.load_split(args.data, args.format, "val", args.max_images) if args.validate_every else None
    classes = train_split.class_names
    instances = train_split.instances is not None
    n, _, H, W = train_split.images.shape
    crop = args.crop or (W, H)
    augmentation = D.AugmentationOptions(min_scale=args.min_scale, max_scale=args.max_scale, crop_width=crop[0], crop_height=crop[1])
    low_resolution = augmentation.at_resolution(args.low_res_scale) if args.low_res_epochs else augmentation
    weights = D.class_weights(train_split.labels, args.class_weighting, len(classes))
    class_weights = None if weights is None else torch.tensor(weights, dtype=torch.float32, device=ranks.device)

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    options = NetworkOptions(NumClasses=len(classes), MiddleDropout=args.middle_dropout, DeepDropout=args.deep_dropout)
    network = SpatialSamplingNetwork(options)
    if args.init_weights:
        start = SpatialSamplingNetwork.from_safetensors(args.init_weights)
        if start.options.NumClasses != len(classes):
            raise SystemExit(f"{args.init_weights} has {start.options.NumClasses} classes; the data has {len(classes)}")
        network.load_state_dict(start.state_dict(), strict=True)
    for p in network.instanceHead.parameters():
        p.requires_grad = instances  # semantic-only data: the instance head is not trained (as in .NET)
    network.to(ranks.device)
    if args.sync_batchnorm:
        network = torch.nn.SyncBatchNorm.convert_sync_batchnorm(network)
    model = DistributedDataParallel(network) if ranks.world > 1 else network
    optimizer = torch.optim.Adam([p for p in network.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay)

    history, best, first_epoch = [], dict(miou=float("nan"), epoch=0, state=None), 0
    if args.resume:
        ckpt = torch.load(args.resume, map_location=ranks.device)
        if ckpt["options"] != options.to_json():
            raise SystemExit(f"{args.resume} was written for other network options: {ckpt['options']}")
        network.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        history, best, first_epoch = ckpt["history"], ckpt["best"], ckpt["epoch"]
        log(f"resumed from {args.resume} after epoch {first_epoch}")
    if ranks.main:
        os.makedirs(args.out, exist_ok=True)
    log(f"{n} training images {W}x{H}, {len(classes)} classes{', instances' if instances else ''}; {ranks.world} process(es) x "
        f"{torch.get_num_threads()} thread(s) on {ranks.device}, {per_rank} images per process and step; torch {torch.__version__}")

    images_u8 = torch.from_numpy(train_split.images).to(ranks.device)
    labels_u8 = torch.from_numpy(train_split.labels).to(ranks.device)
    instance_ids = torch.from_numpy(train_split.instances).to(ranks.device) if instances else None
    sampler = DistributedSampler(range(n), num_replicas=ranks.world, rank=ranks.rank, shuffle=True, seed=args.seed)
    for epoch in range(first_epoch, args.epochs):
        low = epoch < args.low_res_epochs
        epoch_augmentation = low_resolution if low else augmentation
        ph, pw = -(-epoch_augmentation.crop_height // OUTPUT_STRIDE), -(-epoch_augmentation.crop_width // OUTPUT_STRIDE)
        lr = args.lr * (1.0 - epoch / args.epochs) ** args.poly_power
        for g in optimizer.param_groups:
            g["lr"] = lr
        torch.manual_seed(D.mix_seed(args.seed, epoch, 1, ranks.rank))  # dropout stream
        rng = np.random.default_rng(D.mix_seed(args.seed, epoch, 2, ranks.rank))  # augmentation stream
        sampler.set_epoch(epoch)
        order = list(sampler)
        model.train()
        started, loss_sum, seen, steps = time.time(), torch.zeros(3, dtype=torch.float64), 0, 0
        for s in range(0, len(order), per_rank):
            rows = order[s:s + per_rank]
            params = [D.draw_params(rng, epoch_augmentation, W, H) for _ in rows]
            x, y, ids = D.augment_batch(images_u8, labels_u8, instance_ids, rows, params)
            targets, mask = D.instance_targets(ids) if instances else (None, None)
            logits, centres = model(D.normalize(x), instances)
            total, semantic, instance = ssn_loss(logits, y, centres, targets, mask, (ph, pw), class_weights, args.instance_loss)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            loss_sum += torch.tensor([total.item(), semantic.item(), instance.item() if instance is not None else 0.0], dtype=torch.float64)
            seen += len(rows)
            steps += 1
            if args.max_steps and steps >= args.max_steps:
                break
        train_s = time.time() - started
        ranks.broadcast_buffers(network)
        totals = ranks.sum(torch.cat([loss_sum, torch.tensor([steps, seen], dtype=torch.float64)]))
        record = dict(epoch=epoch + 1, lr=lr, loss=totals[0].item() / totals[3].item(), semantic_loss=totals[1].item() / totals[3].item(),
                      instance_loss=totals[2].item() / totals[3].item() if instances else None, train_s=round(train_s, 2),
                      images_per_s=round(totals[4].item() / train_s, 3), processes=ranks.world, threads=torch.get_num_threads())
        if val_split is not None and not low and ((epoch + 1) % args.validate_every == 0 or epoch + 1 == args.epochs):
            record["val_miou"], record["val_iou"] = evaluate(network, val_split, ranks, len(classes))
            if not (record["val_miou"] <= best["miou"]):
                best = dict(miou=record["val_miou"], epoch=epoch + 1, state={k: v.detach().cpu().clone() for k, v in network.state_dict().items()})
        history.append(record)
        log(f"epoch {epoch + 1}/{args.epochs} loss {record['loss']:.4f} lr {lr:.3g} {record['images_per_s']:.2f} images/s"
            + (f" val mIoU {record['val_miou']:.4f} (best {best['miou']:.4f} @ {best['epoch']})" if "val_miou" in record else ""))
        if not math.isfinite(record["loss"]):
            raise SystemExit(f"the loss diverged in epoch {epoch + 1}")
        if ranks.main:
            save_atomically(dict(model=network.state_dict(), optimizer=optimizer.state_dict(), epoch=epoch + 1, history=history,
                                 best=best, options=options.to_json(), args=vars(args)), os.path.join(args.out, "checkpoint.pt"))
        if args.stop_after and epoch + 1 >= args.stop_after and epoch + 1 < args.epochs:
            log(f"stopped after epoch {epoch + 1} (--stop-after); continue with --resume {args.out}/checkpoint.pt")
            ranks.close()
            return network
    spread = ranks.weight_spread(network)
    if spread:
        log(f"warning: the {ranks.world} processes hold different weights (largest difference {spread:g})")
    if ranks.main:
        final = SpatialSamplingNetwork(options)
        final.load_state_dict(best["state"] if best["state"] is not None else network.state_dict())
        final.save_safetensors(os.path.join(args.out, "model.safetensors"), {
            "ssn.class_names": json.dumps(classes), "ssn.normalization": json.dumps(dict(mean=D.MEAN, std=D.STD, channel_order="Rgb")),
            "ssn.best_epoch": str(best["epoch"]), "ssn.trained_by": f"ssn_torch.train, torch {torch.__version__}, {ranks.world} process(es)"})
        with open(os.path.join(args.out, "history.json"), "w") as f:
            json.dump(dict(args=vars(args), processes=ranks.world, rank_weight_spread=spread, best_epoch=best["epoch"],
                           best_val_miou=best["miou"], epochs=history), f, indent=1)
        log(f"wrote {args.out}/model.safetensors (epoch {best['epoch'] or history[-1]['epoch']}) and history.json")
    ranks.close()
    return network


def main(argv=None):
    train(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
