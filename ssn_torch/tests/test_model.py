"""The twin's network: the .NET parameter count and names, iGUM and the instance module's defining properties,
the options JSON, and the shipped zoo model (trained by .NET) scored on real CamVid."""
import os
import unittest

import torch
import torch.nn.functional as F

from ssn_torch import data as D
from ssn_torch.model import NetworkOptions, SpatialSamplingNetwork, igum_grid, regular_grid, sample

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
ZOO = os.path.join(ROOT, "Ssn.MLNet.Models", "Zoo", "camvid-ssn.safetensors")


class NetworkTest(unittest.TestCase):
    def test_parameter_counts_equal_the_dotnet_network(self):
        # README / SegmentationModels.Create().parameters(): 1,269,979 (11 classes) and 1,271,011 (19), instance head included
        for classes, expected in ((11, 1_269_979), (19, 1_271_011)):
            model = SpatialSamplingNetwork(NetworkOptions(NumClasses=classes))
            self.assertEqual(expected, sum(p.numel() for p in model.parameters()))

    def test_zero_guidance_igum_is_bilinear_upsampling(self):
        x = torch.randn(2, 5, 6, 7)
        grid = igum_grid(torch.zeros(2, 2, 6, 7), 48, 56, 45, 50)
        expected = F.interpolate(x, size=(48, 56), mode="bilinear", align_corners=False)[:, :, :45, :50]
        self.assertLess((sample(x, grid) - expected).abs().max().item(), 1e-5)

    def test_instance_module_with_still_guidance_returns_the_grid_and_its_gradient_reaches_the_guidance(self):
        model = SpatialSamplingNetwork(NetworkOptions(NumClasses=3))
        still = model.instanceModule(torch.zeros(1, 2, 5, 9))
        self.assertLess((still - regular_grid(5, 9).permute(0, 3, 1, 2)).abs().max().item(), 1e-5)  # 30 float32 samplings
        guidance = (torch.rand(1, 2, 5, 9) * 2 - 1).requires_grad_()
        model.instanceModule(guidance).sum().backward()
        self.assertGreater(guidance.grad.abs().sum().item(), 0)

    def test_padding_crops_back_and_eval_centres_are_nearest_samples(self):
        model = SpatialSamplingNetwork(NetworkOptions(NumClasses=4, SamplingSteps=3)).eval()
        with torch.no_grad():
            logits, centres = model(torch.randn(1, 3, 21, 30))
        self.assertEqual((1, 4, 21, 30), tuple(logits.shape))
        self.assertEqual((1, 2, 21, 30), tuple(centres.shape))

    def test_options_json_round_trips_and_refuses_what_dotnet_refuses(self):
        o = NetworkOptions(NumClasses=11, DeepDropout=0.1)
        self.assertEqual(o, NetworkOptions.from_json(o.to_json()))
        with self.assertRaisesRegex(ValueError, "unknown key"):
            NetworkOptions.from_json('{"NumClasses": 3, "Colour": 1}')
        with self.assertRaisesRegex(ValueError, "Table 1"):
            NetworkOptions.from_json('{"Architecture": "Erfnet"}')

    def test_table3_blocks_build_and_run(self):
        from ssn_torch.model import LnbDesign
        for design in (LnbDesign(False, False, False, False), LnbDesign(True, True, True, False), LnbDesign()):
            model = SpatialSamplingNetwork(NetworkOptions(NumClasses=3, LnbDesign=design, MiddleBlocks=1, DeepDilations=[2]))
            self.assertEqual((1, 3, 16, 16), tuple(model.eval()(torch.randn(1, 3, 16, 16))[0].shape))


class ZooModelTest(unittest.TestCase):
    """`camvid-ssn`, trained by Ssn.MLNet's .NET trainer and shipped in its model zoo, runs in the twin unchanged."""

    def test_loads_strictly_with_the_dotnet_options(self):
        model = SpatialSamplingNetwork.from_safetensors(ZOO)
        self.assertEqual(11, model.options.NumClasses)
        self.assertEqual(264, len(model.state_dict()))

    def test_scores_real_camvid_val_images(self):
        root = os.path.join(ROOT, "..", "shared", "camvid")
        if not os.path.isdir(os.path.join(root, "valannot")):
            self.skipTest("../shared/camvid not found: real-data test skipped")
        split = D.load_split(root, "camvid", "val", max_images=4)
        model = SpatialSamplingNetwork.from_safetensors(ZOO).eval()
        x = D.normalize(D.to_unit(torch.from_numpy(split.images)))
        with torch.no_grad():
            pred = model(x, instances=False)[0].argmax(1)
        gt = torch.from_numpy(split.labels).long()
        labelled = gt != D.IGNORE
        accuracy = (pred[labelled] == gt[labelled]).double().mean().item()
        # The .NET model's pixel accuracy on the whole val split is 0.913 (its zoo card); 4 images, a margin for them.
        self.assertGreater(accuracy, 0.85)


if __name__ == "__main__":
    unittest.main()
