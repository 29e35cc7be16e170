"""ssn_torch.train on tiny synthetic datasets written to disk: the loss falls, --resume continues bit-exactly, two gloo
processes under torchrun keep identical weights, Cityscapes-style instance maps train the instance head, and the result loads in the
twin with its metadata."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image

from ssn_torch import data as D, safetensors, train
from ssn_torch.model import SpatialSamplingNetwork

COLOURS = np.array([[200, 40, 40], [40, 200, 40], [40, 40, 200]], np.uint8)


def scene(rng, h=32, w=48):
    """Three classes as vertical bands of noisy colours, at random positions: learnable in a few steps."""
    cut1, cut2 = sorted(rng.choice(np.arange(8, w - 8), 2, replace=False))
    labels = np.zeros((h, w), np.uint8)
    labels[:, cut1:] = 1
    labels[:, cut2:] = 2
    image = np.clip(COLOURS[labels].astype(int) + rng.integers(-30, 30, (h, w, 3)), 0, 255).astype(np.uint8)
    return image, labels


def write_camvid(root, train=8, val=4, seed=0):
    rng = np.random.default_rng(seed)
    for split, count in (("train", train), ("val", val)):
        os.makedirs(os.path.join(root, split))
        os.makedirs(os.path.join(root, split + "annot"))
        for i in range(count):
            image, labels = scene(rng)
            Image.fromarray(image).save(os.path.join(root, split, f"f{i:03d}.png"))
            Image.fromarray(labels).save(os.path.join(root, split + "annot", f"f{i:03d}.png"))


def write_cityscapes(root, train=4, val=2, seed=0):
    """Cityscapes layout: band 2 is cars (label id 26, train id 13), one instance per image (id 26001), bands 0/1 road/sky."""
    rng = np.random.default_rng(seed)
    label_ids = np.array([7, 23, 26], np.uint8)  # road, sky, car
    for split, count in (("train", train), ("val", val)):
        for d in ("leftImg8bit", "gtFine"):
            os.makedirs(os.path.join(root, d, split, "town"))
        for i in range(count):
            image, labels = scene(rng)
            stem = os.path.join(split, "town", f"town_{i:06d}_000019")
            Image.fromarray(image).save(os.path.join(root, "leftImg8bit", stem + "_leftImg8bit.png"))
            Image.fromarray(label_ids[labels]).save(os.path.join(root, "gtFine", stem + "_gtFine_labelIds.png"))
            instances = np.where(labels == 2, 26001, label_ids[labels].astype(np.int32)).astype(np.uint16)
            Image.fromarray(instances).save(os.path.join(root, "gtFine", stem + "_gtFine_instanceIds.png"))


REPO = os.path.join(os.path.dirname(__file__), "..", "..")
ARGS = ["--recipe", "camvid", "--crop", "32x24", "--batch-size", "4", "--lr", "5e-3", "--validate-every", "2", "--threads", "1"]


def args(data, out, *extra, fmt="camvid"):
    return train.parse_args([*ARGS, "--format", fmt, "--data", data, "--out", out, *extra])


def losses(out):
    with open(os.path.join(out, "history.json")) as f:
        return [e["loss"] for e in json.load(f)["epochs"]]


class TrainTest(unittest.TestCase):
    def test_the_loss_falls_and_resume_continues_bit_exactly(self):
        with tempfile.TemporaryDirectory() as d:
            write_camvid(os.path.join(d, "data"))
            whole = train.train(args(os.path.join(d, "data"), os.path.join(d, "a"), "--epochs", "6"))
            history = losses(os.path.join(d, "a"))
            self.assertLess(history[-1], 0.7 * history[0], history)
            train.train(args(os.path.join(d, "data"), os.path.join(d, "b"), "--epochs", "6", "--stop-after", "3"))
            resumed = train.train(args(os.path.join(d, "data"), os.path.join(d, "b"), "--epochs", "6",
                                       "--resume", os.path.join(d, "b", "checkpoint.pt")))
            for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values()):
                self.assertTrue(torch.equal(a, b), name)
            model = SpatialSamplingNetwork.from_safetensors(os.path.join(d, "a", "model.safetensors"))
            _, meta = safetensors.load(os.path.join(d, "a", "model.safetensors"))
            self.assertEqual(11, model.options.NumClasses)
            self.assertEqual("Sky", json.loads(meta["ssn.class_names"])[0])
            self.assertEqual(0.1, model.options.DeepDropout, "the camvid recipe's network")

    def test_low_resolution_epochs_train_on_half_crops_without_validation(self):
        fast = train.parse_args(["--recipe", "camvidfast", "--format", "camvid", "--data", "d", "--out", "o"])
        self.assertEqual((60, 12, 0.5, (384, 288)), (fast.epochs, fast.low_res_epochs, fast.low_res_scale, fast.crop))
        half = D.AugmentationOptions(min_scale=0.75, max_scale=1.5, crop_width=384, crop_height=288).at_resolution(0.5)
        self.assertEqual((192, 144, 0.375, 0.75), (half.crop_width, half.crop_height, half.min_scale, half.max_scale))
        odd = D.AugmentationOptions(crop_width=100, crop_height=60).at_resolution(0.5)
        self.assertEqual((48, 32), (odd.crop_width, odd.crop_height), "50 -> 48, 30 -> 32")
        with tempfile.TemporaryDirectory() as d:
            write_camvid(os.path.join(d, "data"))
            train.train(args(os.path.join(d, "data"), os.path.join(d, "out"), "--epochs", "4", "--crop", "48x32", "--low-res-epochs", "2",
                             "--validate-every", "1"))
            with open(os.path.join(d, "out", "history.json")) as f:
                epochs = json.load(f)["epochs"]
            self.assertEqual([False, False, True, True], ["val_miou" in e for e in epochs])

    def test_cityscapes_instances_train_the_instance_head(self):
        with tempfile.TemporaryDirectory() as d:
            write_cityscapes(os.path.join(d, "data"))
            network = train.train(args(os.path.join(d, "data"), os.path.join(d, "out"), "--epochs", "2", fmt="cityscapes"))
            with open(os.path.join(d, "out", "history.json")) as f:
                epochs = json.load(f)["epochs"]
            self.assertTrue(all(e["instance_loss"] > 0 for e in epochs), epochs)
            self.assertGreater(network.instanceHead.weight.abs().sum().item(), 0, "the zero-initialised head has learnt")


class DistributedTest(unittest.TestCase):
    def test_two_gloo_processes_under_torchrun_hold_identical_weights_and_the_loss_falls(self):
        with tempfile.TemporaryDirectory() as d:
            write_camvid(os.path.join(d, "data"))
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            out = os.path.join(d, "out")
            command = [sys.executable, "-m", "torch.distributed.run", *train.TORCHRUN_FIXES, "--nproc_per_node", "2", "--master_port", str(port),
                       "-m", "ssn_torch.train", *ARGS, "--format", "camvid", "--data", os.path.join(d, "data"), "--out", out, "--epochs", "4"]
            run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
            self.assertEqual(0, run.returncode, run.stdout[-3000:] + run.stderr[-3000:])
            with open(os.path.join(out, "history.json")) as f:
                history = json.load(f)
            self.assertEqual(2, history["processes"])
            self.assertEqual(0.0, history["rank_weight_spread"], "every parameter and buffer equal on both ranks")
            losses = [e["loss"] for e in history["epochs"]]
            self.assertLess(losses[-1], 0.8 * losses[0], losses)
            trained = SpatialSamplingNetwork.from_safetensors(os.path.join(out, "model.safetensors")).state_dict()
            initial = SpatialSamplingNetwork(train.NetworkOptions(NumClasses=11)).state_dict()
            self.assertFalse(torch.equal(trained["encoder.layers.0.conv.weight"], initial["encoder.layers.0.conv.weight"]), "trained, not initial")


if __name__ == "__main__":
    unittest.main()
