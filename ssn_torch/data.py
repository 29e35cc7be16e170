"""Datasets, class weights, augmentation and instance targets with the semantics of Ssn.MLNet.

Each function names the C# file it mirrors. Images are uint8 RGB [N,3,H,W] on load, float32 in [0, 1] after
`augment_batch` (RgbImage.CopyToChw: byte * (1f / 255f)), ImageNet-normalised by `normalize`; labels are train ids
with 255 = ignore (SegmentationDataSource.IgnoreLabel); instance maps use the Cityscapes encoding (labelId * 1000 + k).
"""
import dataclasses
import fnmatch
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, List, Optional

import numpy as np
import torch
from PIL import Image

IGNORE = 255  # SegmentationDataSource.IgnoreLabel
INSTANCE_ID_DIVISOR = 1000  # CityscapesLabels.InstanceIdDivisor
MEAN = (0.485, 0.456, 0.406)  # ImageNormalization.ImageNet
STD = (0.229, 0.224, 0.225)
F32 = np.float32

# CamVidDataSource.ClassNamesList; annotation value 11 is void.
CAMVID_CLASSES = ("Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian",
                  "Bicyclist")
CAMVID_VOID = 11

# CityscapesLabels.TrainClasses: (name, label id) indexed by train id; every other label id maps to 255.
CITYSCAPES_TRAIN_CLASSES = (
    ("road", 7), ("sidewalk", 8), ("building", 11), ("wall", 12), ("fence", 13), ("pole", 17), ("traffic light", 19),
    ("traffic sign", 20), ("vegetation", 21), ("terrain", 22), ("sky", 23), ("person", 24), ("rider", 25), ("car", 26),
    ("truck", 27), ("bus", 28), ("train", 31), ("motorcycle", 32), ("bicycle", 33))
CITYSCAPES_MAX_LABEL_ID = 33  # CityscapesLabels.MaxLabelId
CITYSCAPES_LABEL_TO_TRAIN = np.full(256, IGNORE, np.uint8)  # CityscapesLabels.LabelIdToTrainId
for _train_id, (_, _label_id) in enumerate(CITYSCAPES_TRAIN_CLASSES):
    CITYSCAPES_LABEL_TO_TRAIN[_label_id] = _train_id
# CityscapesPaths
IMAGE_SUFFIX, LABEL_IDS_SUFFIX, INSTANCE_IDS_SUFFIX = "_leftImg8bit.png", "_gtFine_labelIds.png", "_gtFine_instanceIds.png"


# ---------------------------------------------------------------------------------------------------------------
# Loading (Ssn.MLNet/Data: SegmentationDataSource.cs, CamVidDataSource.cs, CityscapesDataSource.cs; Imaging/LabelPng.cs)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Split:
    """A whole split in memory: images uint8 [N,3,H,W] RGB, labels uint8 [N,H,W] train ids (255 = ignore), instances
    int32 [N,H,W] (Cityscapes encoding) or None, names (file stems, in row order), class names indexed by train id."""
    images: np.ndarray
    labels: np.ndarray
    instances: Optional[np.ndarray]
    names: List[str]
    class_names: List[str]


def load_split(root, fmt, split, max_images=0):
    """Loads a split as the C# data sources list and decode it ("camvid": CamVidDataSource, "cityscapes":
    CityscapesDataSource), in their row order (full paths sorted ordinally). The whole split is listed and checked for
    annotation files first, as the C# does; then the first `max_images` rows (0 = all) are decoded. All images must
    have one size (the arrays are stacked)."""
    if fmt == "camvid":
        rows, class_names, decode_label = _list_camvid(root, split), CAMVID_CLASSES, _camvid_label
    elif fmt == "cityscapes":
        rows, decode_label = _list_cityscapes(root, split), _cityscapes_label
        class_names = [name for name, _ in CITYSCAPES_TRAIN_CLASSES]
    else:
        raise ValueError(f"Unknown dataset format {fmt!r}; expected 'camvid' or 'cityscapes'.")
    rows = rows[:max_images] if max_images else rows
    images = labels = instances = None
    for i, (_, image_path, label_path, instance_path) in enumerate(rows):
        with Image.open(image_path) as im:
            image = np.asarray(im.convert("RGB"))
        h, w = image.shape[:2]
        if images is None:
            images = np.empty((len(rows), 3, h, w), np.uint8)
            labels = np.empty((len(rows), h, w), np.uint8)
            instances = np.empty((len(rows), h, w), np.int32) if instance_path else None
        elif (h, w) != images.shape[2:]:
            raise ValueError(f"Image '{image_path}' is {w}×{h} but '{rows[0][1]}' is {images.shape[3]}×{images.shape[2]}: "
                             "all images of a split must have one size to be stacked.")
        images[i] = image.transpose(2, 0, 1)
        labels[i] = _same_size(decode_label(label_path), (h, w), image_path, label_path)
        if instance_path:  # CityscapesDataSource.DecodeInstances: LabelPng.ReadGray16
            instances[i] = _same_size(_read_gray(instance_path, wide=True), (h, w), image_path, instance_path)
    return Split(images, labels, instances, [r[0] for r in rows], list(class_names))


def _list_camvid(root, split):
    """CamVidDataSource.List: {split}/*.png paired with {split}annot/{name}.png."""
    image_dir = os.path.join(root, split)
    images = _list_sorted(image_dir, "*.png", recursive=False)
    if not images:
        raise ValueError(f"CamVid split '{split}' is empty: no *.png in '{image_dir}'.")
    annot = os.path.join(root, split + "annot")
    return [(os.path.basename(p)[:-4], p, _require(os.path.join(annot, os.path.basename(p)), p), None) for p in images]


def _list_cityscapes(root, split):
    """CityscapesDataSource.List: leftImg8bit/{split}/**/*_leftImg8bit.png paired with gtFine/{split}/{city}/
    {stem}_gtFine_labelIds.png, and with *_gtFine_instanceIds.png when every image has one (SegmentationDataSource.AllOrNone)."""
    image_dir = os.path.join(root, "leftImg8bit", split)
    images = _list_sorted(image_dir, "*" + IMAGE_SUFFIX, recursive=True)
    if not images:
        raise ValueError(f"Cityscapes split '{split}' is empty: no *{IMAGE_SUFFIX} under '{image_dir}'.")
    rows = []
    for p in images:
        stem = os.path.basename(p)[:-len(IMAGE_SUFFIX)]
        gt = os.path.join(root, "gtFine", split, os.path.basename(os.path.dirname(p)), stem)
        rows.append((stem, p, _require(gt + LABEL_IDS_SUFFIX, p), gt + INSTANCE_IDS_SUFFIX))
    present = [os.path.isfile(r[3]) for r in rows]
    if any(present) and not all(present):
        _, image, _, missing = rows[present.index(False)]
        raise FileNotFoundError(f"Instance file '{missing}' for image '{image}' does not exist, although other images have one.")
    return rows if all(present) else [r[:3] + (None,) for r in rows]


def _list_sorted(directory, pattern, recursive):
    """SegmentationDataSource.ListSorted: files matching `pattern` (case-sensitive, dot files included), sorted by path."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Directory '{directory}' does not exist.")
    walk = os.walk(directory, followlinks=True) if recursive else [(directory, None, os.listdir(directory))]
    return sorted(os.path.join(d, f) for d, _, files in walk for f in files
                  if fnmatch.fnmatchcase(f, pattern) and os.path.isfile(os.path.join(d, f)))


def _require(path, image):
    """SegmentationDataSource.Require."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Annotation file '{path}' for image '{image}' does not exist.")
    return path


def _same_size(annotation, size, image_path, annotation_path):
    """SegmentationDataSource.CheckSameSize: the annotation must have the image's size (h, w)."""
    h, w = size
    if annotation.shape != size:
        raise ValueError(f"Annotation '{annotation_path}' is {annotation.shape[1]}×{annotation.shape[0]} "
                         f"but image '{image_path}' is {w}×{h}.")
    return annotation


def _read_gray(path, wide):
    """LabelPng.ReadGray8 (wide=False: 8-bit or less, else an error) and ReadGray16 (wide=True: any bit depth, as int32):
    a grayscale PNG's stored values, unscaled (PIL scales 1/2/4-bit gray to 0–255; undone as the C# does)."""
    with open(path, "rb") as f:
        head = f.read(26)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"'{path}' is not a PNG file (bad signature or no IHDR).")
    bit_depth, color_type = head[24], head[25]
    if color_type != 0:
        kind = {2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"}.get(color_type, f"colour type {color_type}")
        raise ValueError(f"'{path}' is a {kind} PNG; a label map must be a single-channel grayscale PNG.")
    if bit_depth > 8 and not wide:
        raise ValueError(f"'{path}' is a {bit_depth}-bit grayscale PNG; an 8-bit label map is expected.")
    with Image.open(path) as im:
        if bit_depth > 8:
            return np.asarray(im).astype(np.int32)
        values = np.asarray(im.convert("L"))
    values = values // (255 // ((1 << bit_depth) - 1)) if bit_depth < 8 else values
    return values.astype(np.int32) if wide else values


def _first(bad):
    y, x = np.argwhere(bad)[0]  # row-major, as the C# loops
    return x, y


def _camvid_label(path):
    """CamVidDataSource.DecodeLabel: values 0–10 kept, void 11 → 255, 255 kept, anything else an error."""
    v = _read_gray(path, wide=False)
    bad = (v > CAMVID_VOID) & (v != IGNORE)
    if bad.any():
        x, y = _first(bad)
        raise ValueError(f"CamVid annotation '{path}' holds value {v[y, x]} at ({x}, {y}); expected 0–10 or void 11.")
    return np.where(v == CAMVID_VOID, np.uint8(IGNORE), v)


def _cityscapes_label(path):
    """CityscapesDataSource.DecodeLabel: label ids 0–33 → train ids (CityscapesLabels.LabelIdToTrainId), others an error."""
    v = _read_gray(path, wide=False)
    bad = v > CITYSCAPES_MAX_LABEL_ID
    if bad.any():
        x, y = _first(bad)
        raise ValueError(f"Cityscapes label map '{path}' holds id {v[y, x]} at ({x}, {y}); "
                         f"Cityscapes defines label ids 0–{CITYSCAPES_MAX_LABEL_ID}.")
    return CITYSCAPES_LABEL_TO_TRAIN[v]


# ---------------------------------------------------------------------------------------------------------------
# Class weights (Ssn.MLNet.Trainers/ClassBalance.cs)
# ---------------------------------------------------------------------------------------------------------------
def class_weights(labels, kind, num_classes):
    """ClassBalance.Count + Weights over label maps (values ≥ num_classes count as ignored pixels). kind "none" → None;
    "enet": 1 / ln(1.02 + p_c), p_c = pixels of c / all pixels (ignored included); "median": median(f) / f_c,
    f_c = pixels of c / all pixels of the images containing c, a class absent from the split getting median / min(f).
    Returns float32-rounded Python floats."""
    if kind not in ("none", "enet", "median"):
        raise ValueError(f"Unknown class weighting {kind!r}; expected 'none', 'enet' or 'median'.")
    if kind == "none":
        return None
    pixels = np.zeros(num_classes, np.int64)
    with_class = np.zeros(num_classes, np.int64)
    total = 0
    for lab in labels:
        lab = np.asarray(lab)
        counts = np.bincount(lab.ravel(), minlength=num_classes)[:num_classes]
        pixels += counts
        with_class += np.where(counts > 0, lab.size, 0)
        total += lab.size
    if pixels.sum() == 0:
        raise ValueError("The training labels have no labelled pixel: class weights cannot be computed.")
    if kind == "enet":
        return [float(F32(1.0 / math.log(1.02 + int(c) / total))) for c in pixels]
    f = [int(c) / int(w) if w else math.nan for c, w in zip(pixels, with_class)]
    present = sorted(v for v in f if not math.isnan(v))
    k = len(present)
    median = present[k // 2] if k % 2 == 1 else (present[k // 2 - 1] + present[k // 2]) / 2
    return [float(F32(median / present[0] if math.isnan(v) else median / v)) for v in f]


# ---------------------------------------------------------------------------------------------------------------
# Augmentation (Ssn.MLNet/Data/Augmentation: AugmentationOptions.cs, SegmentationAugmenter.cs, SegmentationTransforms.cs)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class AugmentationOptions:
    """AugmentationOptions with the C# defaults; a crop of None (or 0, as in the C#) keeps that input dimension.
    Validated on construction (AugmentationOptions.Validate, called by the SegmentationAugmenter constructor)."""
    flip_probability: float = 0.5
    min_scale: float = 0.5
    max_scale: float = 2.0
    crop_width: Optional[int] = None
    crop_height: Optional[int] = None
    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2

    def __post_init__(self):
        checks = [("flip_probability", 0 <= self.flip_probability <= 1, "must be in [0, 1]"),
                  ("min_scale", self.min_scale > 0, "must be > 0"),
                  ("max_scale", self.max_scale >= self.min_scale, "must be ≥ min_scale"),
                  ("crop_width", (self.crop_width or 0) >= 0, "must be ≥ 0"),
                  ("crop_height", (self.crop_height or 0) >= 0, "must be ≥ 0")]
        checks += [(n, 0 <= getattr(self, n) < 1, "must be in [0, 1)") for n in ("brightness", "contrast", "saturation")]
        for name, ok, rule in checks:
            if not ok:
                raise ValueError(f"AugmentationOptions.{name} = {getattr(self, name)!r} {rule}.")

    def at_resolution(self, factor):
        """AugmentationOptions.AtResolution: scales and crop sides times `factor`, the sides rounded to a multiple of 8."""
        if not 0 < factor <= 1:
            raise ValueError(f"factor = {factor!r} must be in (0, 1].")
        if not (self.crop_width and self.crop_height):
            raise ValueError("a lower training resolution needs a crop: set crop_width and crop_height.")
        side = lambda v: max(8, round(v * factor / 8) * 8)
        return dataclasses.replace(self, min_scale=float(np.float32(self.min_scale * factor)), max_scale=float(np.float32(self.max_scale * factor)),
                                   crop_width=side(self.crop_width), crop_height=side(self.crop_height))


@dataclass(frozen=True)
class AugmentParams:
    """The random choices of SegmentationAugmenter.Apply for one sample (float32 where the C# computes in float)."""
    flip: bool
    scale: np.float32
    offset_x: int
    offset_y: int
    crop_width: int
    crop_height: int
    brightness: np.float32
    contrast: np.float32
    saturation: np.float32


def draw_params(rng, options, width, height):
    """SegmentationAugmenter.Apply's draws for a width×height sample, in its order: flip, scale, offset x, offset y,
    brightness, contrast, saturation (rng: numpy Generator; NextDouble → random(), Next(n) → integers(n))."""
    flip = bool(rng.random() < options.flip_probability)
    scale = F32(options.min_scale) + F32(rng.random()) * (F32(options.max_scale) - F32(options.min_scale))
    cw, ch = options.crop_width or width, options.crop_height or height
    sw, sh = scaled_size(width, height, scale)

    def offset(size, crop):  # SegmentationAugmenter.Offset: inside the image, or a random padding
        return int(rng.integers(size - crop + 1)) if size >= crop else -int(rng.integers(crop - size + 1))

    ox = offset(sw, cw)
    oy = offset(sh, ch)
    b, c, s = (F32(1) + F32(j) * (F32(2) * F32(rng.random()) - F32(1))
               for j in (options.brightness, options.contrast, options.saturation))
    return AugmentParams(flip, scale, ox, oy, cw, ch, b, c, s)


def scaled_size(width, height, scale):
    """SegmentationTransforms.ScaledSize: MathF.Round (half to even) of size * scale in float32, at least 1."""
    return max(1, int(np.rint(F32(width) * F32(scale)))), max(1, int(np.rint(F32(height) * F32(scale))))


def _axis_indices(size, scaled, offset, crop):
    """One axis of SegmentationTransforms.ScaleAndCrop (pixel-centre mapping, float32): window coordinate → inside
    the scaled image, bilinear corners i0/i1 with weight t, nearest index (clamped; masked where outside)."""
    f = F32(size) / F32(scaled)
    pos = np.arange(crop) + offset
    valid = (pos >= 0) & (pos < scaled)
    p = pos.astype(F32) + F32(0.5)
    u = np.clip(p * f - F32(0.5), F32(0), F32(size - 1)).astype(F32)
    i0 = u.astype(np.int64)
    i1 = np.minimum(i0 + 1, size - 1)
    t = (u - i0.astype(F32)).astype(F32)
    near = np.clip(np.floor(p * f).astype(np.int64), 0, size - 1)
    return valid, i0, i1, t, near


def _to_device(array, device):
    t = torch.from_numpy(array)
    return t.pin_memory().to(device, non_blocking=True) if device.type == "cuda" else t


def augment_batch(images_u8, labels_u8, instances, rows, params):
    """SegmentationAugmenter.Apply for a batch, vectorised: rows[k] of images_u8 [N,3,H,W] uint8, labels_u8 [N,H,W]
    uint8 (255 = ignore) and instances [N,H,W] (int32, or None), all torch tensors on one device, with params[k]
    (see draw_params; one crop size for the batch). Flip, then scale + crop (image bilinear, labels and instances
    nearest; padding: image 0, label 255, instance 0), then colour jitter (skipped when all three factors are 1).
    Returns images float32 [B,3,ch,cw] in [0, 1] (not normalised), labels int64 [B,ch,cw], instances (input dtype)
    [B,ch,cw] or None."""
    device = images_u8.device
    _, _, H, W = images_u8.shape
    B, cw, ch = len(rows), params[0].crop_width, params[0].crop_height
    if any((p.crop_width, p.crop_height) != (cw, ch) for p in params):
        raise ValueError("All samples of a batch must have one crop size.")
    ints, floats = [], []
    for row, p in zip(rows, params):
        sw, sh = scaled_size(W, H, p.scale)
        vx, x0, x1, tx, xn = _axis_indices(W, sw, p.offset_x, cw)
        vy, y0, y1, ty, yn = _axis_indices(H, sh, p.offset_y, ch)
        if p.flip:  # FlipHorizontal before ScaleAndCrop == reading mirrored source columns
            x0, x1, xn = W - 1 - x0, W - 1 - x1, W - 1 - xn
        ints.append(np.concatenate([[row], vx, x0, x1, xn, vy, y0, y1, yn]).astype(np.int64))
        jitter = not (p.brightness == 1 and p.contrast == 1 and p.saturation == 1)
        floats.append(np.concatenate([tx, ty, [p.brightness, p.contrast, p.saturation, jitter]]).astype(F32))
    ti, tf = _to_device(np.stack(ints), device), _to_device(np.stack(floats), device)
    row, vx, x0, x1, xn, vy, y0, y1, yn = torch.split(ti, [1] + [cw] * 4 + [ch] * 4, dim=1)
    tx, ty, factors = tf[:, :cw].view(B, 1, 1, cw), tf[:, cw:cw + ch].view(B, 1, ch, 1), tf[:, cw + ch:]
    row = row.view(B)

    def rows_of(x, yi):  # x [B,C,H,W], yi [B,ch] -> [B,C,ch,W]
        return x.gather(2, yi.view(B, 1, ch, 1).expand(B, x.shape[1], ch, x.shape[3]))

    def cols_of(x, xi):  # x [B,C,ch,W], xi [B,cw] -> [B,C,ch,cw]
        return x.gather(3, xi.view(B, 1, 1, cw).expand(B, x.shape[1], x.shape[2], cw))

    valid = vy.bool().view(B, ch, 1) & vx.bool().view(B, 1, cw)

    def nearest(maps, pad):  # labels and instances: the same nearest pixel, `pad` outside the scaled image
        out = cols_of(rows_of(maps.index_select(0, row).unsqueeze(1), yn), xn).squeeze(1)
        return torch.where(valid, out, torch.full((), pad, dtype=out.dtype, device=device))

    src = to_unit(images_u8.index_select(0, row))
    r0, r1 = rows_of(src, y0), rows_of(src, y1)
    top = cols_of(r0, x0) * (1 - tx) + cols_of(r0, x1) * tx
    bottom = cols_of(r1, x0) * (1 - tx) + cols_of(r1, x1) * tx
    img = torch.where(valid.unsqueeze(1), top * (1 - ty) + bottom * ty, torch.zeros((), device=device))
    labels = nearest(labels_u8, IGNORE).long()
    inst = None if instances is None else nearest(instances, 0)  # 0 = Cityscapes "unlabeled"

    # SegmentationTransforms.AdjustColor: grey and mean in float32 (mean summed in double), clamp to [0, 1]
    b, c, s = (factors[:, k].reshape(B, 1, 1, 1).contiguous() for k in range(3))
    grey = (0.299 * img[:, 0:1] + 0.587 * img[:, 1:2]) + 0.114 * img[:, 2:3]
    mean = (grey.double().sum((2, 3), keepdim=True) / (ch * cw)).float() * b
    gb = grey * b
    v = img * b
    v = gb + (v - gb) * s
    v = mean + (v - mean) * c
    img = torch.where(factors[:, 3].view(B, 1, 1, 1) > 0, v.clamp(0, 1), img)
    return img, labels, inst


def to_unit(images_u8):
    """RgbImage.CopyToChw: byte * (1f / 255f), the float32 constant exactly."""
    return images_u8.float() * float(F32(1) / F32(255))


@lru_cache(maxsize=None)
def _normalization(device):
    scale = torch.tensor([F32(1) / F32(s) for s in STD], device=device).view(1, 3, 1, 1)
    shift = torch.tensor([F32(m) / F32(s) for m, s in zip(MEAN, STD)], device=device).view(1, 3, 1, 1)
    return scale, shift


def normalize(images):
    """ImageNormalization.NormalizeInPlace with ImageNet statistics: x * (1f / std) - mean / std per channel (float32)."""
    scale, shift = _normalization(images.device)
    return images * scale - shift


def mix_seed(*parts):
    """A distinct 32-bit seed per (run seed, epoch, stream) — the role of SpatialSamplingTrainer.EpochSeed."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


# ---------------------------------------------------------------------------------------------------------------
# Instance targets (Ssn.MLNet/Instances/InstanceCentres.cs, Modeling/SamplingCoordinates.cs)
# ---------------------------------------------------------------------------------------------------------------
def is_cityscapes_instance(ids):
    """InstanceCentres.IsCityscapesInstance: ids ≥ 1000 are instances (labelId * 1000 + k)."""
    return ids >= INSTANCE_ID_DIVISOR


def instance_targets(instances, is_instance: Callable = is_cityscapes_instance):
    """InstanceCentres.Compute per image of instances [B,H,W] (tensor or array): each instance pixel's target is the
    mean of its instance's pixel coordinates (summed and divided in double), converted by
    SamplingCoordinates.ToNormalized, (2 * index + 1) / size - 1, then to float32; 0 elsewhere. is_instance maps the
    id tensor to a bool tensor. Returns centres float32 [B,2,H,W] (x, y) and mask bool [B,H,W]."""
    ids = torch.as_tensor(instances)
    B, H, W = ids.shape
    mask = is_instance(ids)
    b, y, x = mask.nonzero(as_tuple=True)
    _, k = torch.unique(torch.stack([b, ids[mask].long()]), dim=1, return_inverse=True)
    n = torch.bincount(k).double()
    cx = (2 * (torch.bincount(k, weights=x.double()) / n) + 1) / W - 1
    cy = (2 * (torch.bincount(k, weights=y.double()) / n) + 1) / H - 1
    centres = torch.zeros(B, 2, H, W, dtype=torch.float32, device=ids.device)
    centres[b, 0, y, x] = cx.float()[k]
    centres[b, 1, y, x] = cy.float()[k]
    return centres, mask
