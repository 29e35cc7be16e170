"""Tests of ssn_torch.data against line-by-line ports of the C# (run: /usr/bin/python3 -m unittest discover -s ssn_torch/tests -t .)."""
import math
import os
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image

from ssn_torch import data

F32 = np.float32
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAMVID = os.path.join(REPO, "..", "shared", "camvid")


# ---- line-by-line port of Ssn.MLNet/Data/Augmentation/SegmentationTransforms.cs (one sample, CHW float32) ----
def ref_flip(img, lab, inst):
    """FlipHorizontal."""
    h, w = lab.shape
    oi, ol, on = np.empty_like(img), np.empty_like(lab), np.empty_like(inst)
    for y in range(h):
        for x in range(w):
            ol[y, w - 1 - x] = lab[y, x]
            on[y, w - 1 - x] = inst[y, x]
            for c in range(3):
                oi[c, y, w - 1 - x] = img[c, y, x]
    return oi, ol, on


def ref_source(i, f, n):
    """Where output index i of a scaled axis reads from (factor f, source length n): the two bilinear taps, the
    nearest index and the bilinear weight."""
    v = min(max((F32(i) + F32(0.5)) * f - F32(0.5), F32(0)), F32(n - 1))
    i0 = int(v)
    return i0, min(i0 + 1, n - 1), min(int((F32(i) + F32(0.5)) * f), n - 1), F32(v - F32(i0))


def ref_scale_and_crop(img, lab, inst, scale, ox, oy, cw, ch):
    """ScaleAndCrop (ScaledSize: MathF.Round, half to even, as Python's round)."""
    _, H, W = img.shape
    sw, sh = max(1, round(float(F32(W) * F32(scale)))), max(1, round(float(F32(H) * F32(scale))))
    fx, fy = F32(W) / F32(sw), F32(H) / F32(sh)
    out = np.zeros((3, ch, cw), F32)
    olab = np.full((ch, cw), 255, np.uint8)
    oinst = np.zeros((ch, cw), np.int32)
    for y in range(ch):
        ys = y + oy
        if ys < 0 or ys >= sh:
            continue
        y0, y1, yn, ty = ref_source(ys, fy, H)
        for x in range(cw):
            xs = x + ox
            if xs < 0 or xs >= sw:
                continue
            x0, x1, xn, tx = ref_source(xs, fx, W)
            olab[y, x] = lab[yn, xn]
            oinst[y, x] = inst[yn, xn]
            for c in range(3):
                top = img[c, y0, x0] * (F32(1) - tx) + img[c, y0, x1] * tx
                bottom = img[c, y1, x0] * (F32(1) - tx) + img[c, y1, x1] * tx
                out[c, y, x] = top * (F32(1) - ty) + bottom * ty
    return out, olab, oinst


def ref_adjust(img, b, c, s):
    """AdjustColor."""
    _, h, w = img.shape
    grey = lambda y, x: F32(0.299) * img[0, y, x] + F32(0.587) * img[1, y, x] + F32(0.114) * img[2, y, x]  # noqa: E731
    total = 0.0
    for y in range(h):
        for x in range(w):
            total += float(grey(y, x))
    mean = F32(total / (h * w)) * b
    out = np.empty_like(img)
    for y in range(h):
        for x in range(w):
            g = grey(y, x) * b
            for ch in range(3):
                v = img[ch, y, x] * b
                v = g + (v - g) * s
                v = mean + (v - mean) * c
                out[ch, y, x] = min(max(v, F32(0)), F32(1))
    return out


def ref_apply(img_u8, lab, inst, p):
    """SegmentationAugmenter.Apply with the drawn parameters."""
    img = img_u8.astype(F32) * (F32(1) / F32(255))
    if p.flip:
        img, lab, inst = ref_flip(img, lab, inst)
    img, lab, inst = ref_scale_and_crop(img, lab, inst, p.scale, p.offset_x, p.offset_y, p.crop_width, p.crop_height)
    if not (p.brightness == 1 and p.contrast == 1 and p.saturation == 1):
        img = ref_adjust(img, p.brightness, p.contrast, p.saturation)
    return img, lab, inst


class AugmentationTest(unittest.TestCase):
    def test_defaults_are_the_csharp_ones(self):
        o = data.AugmentationOptions()
        self.assertEqual((o.flip_probability, o.min_scale, o.max_scale, o.crop_width, o.crop_height, o.brightness,
                          o.contrast, o.saturation), (0.5, 0.5, 2.0, None, None, 0.2, 0.2, 0.2))
        with self.assertRaisesRegex(ValueError, "max_scale"):
            data.AugmentationOptions(min_scale=1.5, max_scale=1.0)

    def test_draw_order(self):
        o = data.AugmentationOptions(min_scale=0.75, max_scale=1.5, crop_width=24, crop_height=20)
        p = data.draw_params(np.random.default_rng(7), o, 37, 29)
        r = np.random.default_rng(7)
        flip = r.random() < 0.5
        scale = F32(0.75) + F32(r.random()) * (F32(1.5) - F32(0.75))
        sw, sh = data.scaled_size(37, 29, scale)
        ox, oy = int(r.integers(sw - 24 + 1)), int(r.integers(sh - 20 + 1))  # scale ≥ 0.75: never padded here
        b, c, s = (F32(1) + F32(0.2) * (F32(2) * F32(r.random()) - F32(1)) for _ in range(3))
        self.assertEqual(p, data.AugmentParams(flip, scale, ox, oy, 24, 20, b, c, s))

    def test_batch_equals_csharp_loops(self):
        rng = np.random.default_rng(0)
        N, H, W = 5, 13, 17
        imgs = rng.integers(0, 256, (N, 3, H, W), dtype=np.uint8)
        labs = rng.integers(0, 12, (N, H, W), dtype=np.uint8)
        labs[labs == 11] = 255
        inst = np.where(rng.random((N, H, W)) < 0.5, rng.integers(24000, 24004, (N, H, W)), rng.integers(0, 34, (N, H, W)))
        inst = inst.astype(np.int32)
        t_imgs, t_labs, t_inst = torch.from_numpy(imgs), torch.from_numpy(labs), torch.from_numpy(inst)
        seen = dict(flip=0, straight=0, padded=0, inside=0, down=0, up=0, plain=0)
        worst = 0.0
        trials = [dict(crop_width=11, crop_height=9), dict(crop_width=21, crop_height=16), {},
                  dict(crop_width=12, crop_height=10, brightness=0, contrast=0, saturation=0)]
        for opts in trials:
            o = data.AugmentationOptions(min_scale=0.5, max_scale=2.0, **opts)
            rows = [int(i) for i in rng.permutation(N)[:4]]
            params = [data.draw_params(rng, o, W, H) for _ in rows]
            x, y, z = data.augment_batch(t_imgs, t_labs, t_inst, rows, params)
            self.assertEqual((x.dtype, y.dtype, z.dtype), (torch.float32, torch.int64, torch.int32))
            for k, (i, p) in enumerate(zip(rows, params)):
                ri, rl, rn = ref_apply(imgs[i], labs[i], inst[i], p)
                np.testing.assert_array_equal(y[k].numpy(), rl.astype(np.int64))
                np.testing.assert_array_equal(z[k].numpy(), rn)
                worst = max(worst, float(np.abs(x[k].numpy() - ri).max()))
                seen["flip" if p.flip else "straight"] += 1
                seen["padded"] += p.offset_x < 0 or p.offset_y < 0
                seen["inside"] += p.offset_x > 0 or p.offset_y > 0
                seen["down" if p.scale < 1 else "up"] += 1
                seen["plain"] += p.brightness == 1 and p.contrast == 1 and p.saturation == 1
        self.assertLess(worst, 1e-6)
        self.assertTrue(all(v > 0 for v in seen.values()), seen)

    def test_normalize(self):
        x = torch.rand(2, 3, 4, 5)
        ref = torch.stack([x[:, c] * float(F32(1) / F32(data.STD[c])) - float(F32(data.MEAN[c]) / F32(data.STD[c]))
                           for c in range(3)], 1)
        self.assertTrue(torch.equal(data.normalize(x), ref))


def ref_instance_targets(ids, is_instance=lambda v: v >= 1000):
    """InstanceCentres.Compute for one H×W map, as the C# loops."""
    h, w = ids.shape
    sums = {}
    for i in range(h * w):
        v = int(ids[i // w, i % w])
        if is_instance(v):
            sx, sy, n = sums.get(v, (0.0, 0.0, 0))
            sums[v] = (sx + i % w, sy + i // w, n + 1)
    cx, cy, mask = np.zeros((h, w), F32), np.zeros((h, w), F32), np.zeros((h, w), bool)
    for i in range(h * w):
        v = int(ids[i // w, i % w])
        if v in sums:
            sx, sy, n = sums[v]
            mask[i // w, i % w] = True
            cx[i // w, i % w] = F32((2 * (sx / n) + 1) / w - 1)
            cy[i // w, i % w] = F32((2 * (sy / n) + 1) / h - 1)
    return np.stack([cx, cy]), mask


class InstanceTargetsTest(unittest.TestCase):
    def test_equals_loop(self):
        a = np.zeros((7, 9), np.int32)
        a[1:4, 2:6] = 26001  # instance 1
        a[5, :] = 26002  # instance 2
        a[3, 7] = 26002
        a[0, 8] = 26  # a label id without instance (< 1000): background
        a[6, 0:3] = 7
        b = np.where(a == 26001, 24001, a)  # second image: the same shape under other ids, and 26002 reused
        b[0, 0] = 26002
        centres, mask = data.instance_targets(torch.from_numpy(np.stack([a, b])))
        self.assertEqual((centres.dtype, centres.shape, mask.dtype), (torch.float32, (2, 2, 7, 9), torch.bool))
        for k, m in enumerate((a, b)):
            rc, rm = ref_instance_targets(m)
            np.testing.assert_array_equal(mask[k].numpy(), rm)
            np.testing.assert_array_equal(centres[k].numpy(), rc)
        self.assertEqual(int(mask[0].sum()), 12 + 9 + 1)
        # a custom rule (every id but 0, as ImageFolder instance maps)
        centres, mask = data.instance_targets(torch.from_numpy(a[None]), is_instance=lambda v: v != 0)
        rc, rm = ref_instance_targets(a, lambda v: v != 0)
        np.testing.assert_array_equal(mask[0].numpy(), rm)
        np.testing.assert_array_equal(centres[0].numpy(), rc)


class ClassWeightsTest(unittest.TestCase):
    # two 2×2 maps, 3 classes: pixels 3 / 1 / 3 of 8 (one ignored); class 0 in both images, 1 in the first, 2 in the second
    labels = np.array([[[0, 0], [1, 255]], [[0, 2], [2, 2]]], np.uint8)

    def test_enet(self):
        w = data.class_weights(self.labels, "enet", 3)
        expected = [1 / math.log(1.02 + 3 / 8), 1 / math.log(1.02 + 1 / 8), 1 / math.log(1.02 + 3 / 8)]
        self.assertEqual(w, [float(F32(v)) for v in expected])
        self.assertAlmostEqual(w[0], 3.00396, places=5)  # 1 / ln(1.395)
        self.assertAlmostEqual(w[1], 7.38527, places=5)  # 1 / ln(1.145)

    def test_median(self):
        # f = 3/8, 1/4, 3/4 (pixels over the pixels of the images holding the class) -> median 3/8;
        # class 3 is absent: median / min f = 1.5
        self.assertEqual(data.class_weights(self.labels, "median", 4), [1.0, 1.5, 0.5, 1.5])
        # an even number of present classes: the mean of the middle two. f0 = 3/8, f1 = 1/4 -> median 5/16
        self.assertEqual(data.class_weights(self.labels, "median", 2), [float(F32(5 / 6)), 1.25])

    def test_none_and_errors(self):
        self.assertIsNone(data.class_weights(self.labels, "none", 3))
        with self.assertRaisesRegex(ValueError, "no labelled pixel"):
            data.class_weights(np.full((1, 2, 2), 255, np.uint8), "enet", 3)


class LoadSplitTest(unittest.TestCase):
    def test_camvid_real(self):
        if not os.path.isdir(CAMVID):
            self.skipTest("../shared/camvid not found: real-data test skipped")
        s = data.load_split(CAMVID, "camvid", "val", max_images=3)
        self.assertEqual((s.images.shape, s.images.dtype), ((3, 3, 360, 480), np.uint8))
        self.assertEqual((s.labels.shape, s.labels.dtype), ((3, 360, 480), np.uint8))
        self.assertIsNone(s.instances)
        self.assertTrue(set(np.unique(s.labels).tolist()) <= set(range(11)) | {255})
        self.assertEqual(s.names, sorted(f[:-4] for f in os.listdir(os.path.join(CAMVID, "val")) if f.endswith(".png"))[:3])
        self.assertEqual(s.class_names[10], "Bicyclist")

    @staticmethod
    def write_cityscapes(root, cities=("bochum", "aachen"), instance_dtypes=(np.uint16, np.int32)):
        rng = np.random.default_rng(3)
        truth = {}
        for city, dtype in zip(cities, instance_dtypes):
            stem = f"{city}_000000_000019"
            img_dir, gt_dir = (os.path.join(root, d, "train", city) for d in ("leftImg8bit", "gtFine"))
            os.makedirs(img_dir)
            os.makedirs(gt_dir)
            image = rng.integers(0, 256, (8, 16, 3), dtype=np.uint8)
            label_ids = rng.choice(np.array([0, 7, 8, 9, 26, 33], np.uint8), (8, 16))
            inst = np.where(label_ids == 26, 26001 + (np.arange(16) >= 8), label_ids).astype(dtype)
            Image.fromarray(image).save(os.path.join(img_dir, stem + "_leftImg8bit.png"))
            Image.fromarray(label_ids).save(os.path.join(gt_dir, stem + "_gtFine_labelIds.png"))
            Image.fromarray(inst).save(os.path.join(gt_dir, stem + "_gtFine_instanceIds.png"))  # 16-bit grayscale
            truth[stem] = (image, label_ids, inst)
        return truth

    def test_cityscapes_synthetic(self):
        with tempfile.TemporaryDirectory() as root:
            truth = self.write_cityscapes(root)
            s = data.load_split(root, "cityscapes", "train")
            self.assertEqual(s.names, ["aachen_000000_000019", "bochum_000000_000019"])  # sorted by path
            self.assertEqual((s.images.shape, s.labels.shape, s.instances.shape, s.instances.dtype),
                             ((2, 3, 8, 16), (2, 8, 16), (2, 8, 16), np.int32))
            self.assertEqual(len(s.class_names), 19)
            train_of = {0: 255, 7: 0, 8: 1, 9: 255, 26: 13, 33: 18}
            for k, name in enumerate(s.names):
                image, label_ids, inst = truth[name]
                np.testing.assert_array_equal(s.images[k], image.transpose(2, 0, 1))
                np.testing.assert_array_equal(s.labels[k], np.vectorize(train_of.get)(label_ids))
                np.testing.assert_array_equal(s.instances[k], inst.astype(np.int32))
            self.assertEqual(int(s.instances.max()), 26002)
            self.assertEqual(data.load_split(root, "cityscapes", "train", max_images=1).names, s.names[:1])

    def test_cityscapes_mixed_sizes(self):
        with tempfile.TemporaryDirectory() as root:
            self.write_cityscapes(root)
            for sub, suffix, mode in (("leftImg8bit", "_leftImg8bit.png", "RGB"), ("gtFine", "_gtFine_labelIds.png", "L"),
                                      ("gtFine", "_gtFine_instanceIds.png", "I")):
                Image.new(mode, (12, 8)).save(os.path.join(root, sub, "train", "bochum", "bochum_000000_000019" + suffix))
            with self.assertRaisesRegex(ValueError, r"bochum_000000_000019_leftImg8bit\.png' is 12×8 but .* is 16×8: all images"):
                data.load_split(root, "cityscapes", "train")

    def test_cityscapes_errors(self):
        with tempfile.TemporaryDirectory() as root:
            self.write_cityscapes(root)
            gt = os.path.join(root, "gtFine", "train", "aachen", "aachen_000000_000019")
            bad = np.full((8, 16), 7, np.uint8)
            bad[2, 5] = 34
            Image.fromarray(bad).save(gt + "_gtFine_labelIds.png")
            with self.assertRaisesRegex(ValueError, r"aachen_000000_000019_gtFine_labelIds\.png' holds id 34 at \(5, 2\)"):
                data.load_split(root, "cityscapes", "train")
            Image.fromarray(np.zeros((8, 15), np.uint8)).save(gt + "_gtFine_labelIds.png")
            with self.assertRaisesRegex(ValueError, r"labelIds\.png' is 15×8 but image '.*aachen.*' is 16×8"):
                data.load_split(root, "cityscapes", "train")
            os.remove(gt + "_gtFine_instanceIds.png")
            with self.assertRaisesRegex(FileNotFoundError, r"aachen_000000_000019_gtFine_instanceIds\.png"):
                data.load_split(root, "cityscapes", "train")
            os.remove(gt + "_gtFine_labelIds.png")
            with self.assertRaisesRegex(FileNotFoundError, r"aachen_000000_000019_gtFine_labelIds\.png"):
                data.load_split(root, "cityscapes", "train")
            with self.assertRaisesRegex(FileNotFoundError, r"leftImg8bit.val"):
                data.load_split(root, "cityscapes", "val")


if __name__ == "__main__":
    unittest.main()
