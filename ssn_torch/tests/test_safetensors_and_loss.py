"""The safetensors reader/writer (no `safetensors` package on Debian) and the loss of SsnLoss.cs."""
import os
import tempfile
import unittest

import torch
import torch.nn.functional as F

from ssn_torch import safetensors
from ssn_torch.loss import ssn_loss


class SafetensorsTest(unittest.TestCase):
    def test_round_trip_of_every_dtype_with_metadata(self):
        tensors = {"f32": torch.randn(2, 3), "f64": torch.randn(4, dtype=torch.float64), "f16": torch.randn(3).half(),
                   "bf16": torch.randn(5).bfloat16(), "i64": torch.tensor(7), "i32": torch.arange(6, dtype=torch.int32).view(2, 3),
                   "empty": torch.zeros(0, 4)}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.safetensors")
            safetensors.save(tensors, path, {"k": "v"})
            with open(path, "rb") as f:
                length = int.from_bytes(f.read(8), "little")
            self.assertEqual(0, length % 8, "the header is padded to 8 bytes")
            read, meta = safetensors.load(path)
        self.assertEqual({"k": "v"}, meta)
        self.assertEqual(list(tensors), list(read), "file order = insertion order")
        for name, t in tensors.items():
            self.assertEqual(t.dtype, read[name].dtype, name)
            self.assertTrue(torch.equal(t, read[name]), name)

    def test_a_truncated_file_is_refused_with_its_name(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cut.safetensors")
            safetensors.save({"a": torch.randn(100)}, path)
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 10)
            with self.assertRaisesRegex(ValueError, "cut.safetensors"):
                safetensors.load(path)


class LossTest(unittest.TestCase):
    def test_semantic_part_is_weighted_cross_entropy_with_ignore(self):
        logits, labels = torch.randn(2, 3, 4, 5), torch.randint(0, 3, (2, 4, 5))
        labels[0, 0] = 255
        w = torch.tensor([1.0, 2.0, 0.5])
        total, semantic, instance = ssn_loss(logits, labels, class_weights=w)
        keep = labels != 255
        nll = -F.log_softmax(logits, 1).gather(1, labels.clamp(max=2).unsqueeze(1)).squeeze(1)
        expected = (nll * w[labels.clamp(max=2)])[keep].sum() / w[labels[keep]].sum()
        self.assertAlmostEqual(expected.item(), semantic.item(), places=5)
        self.assertIsNone(instance)
        self.assertEqual(total.item(), semantic.item())

    def test_instance_part_is_eq2_in_encoder_pixels_over_instance_pixels(self):
        centres = torch.zeros(1, 2, 2, 2, requires_grad=True)
        targets = torch.zeros(1, 2, 2, 2)
        targets[0, 0, 0, 0] = 0.5  # x off by 0.5 normalised = 0.25 of the width = 1 pixel of a 4-wide encoder map
        mask = torch.tensor([[[True, False], [False, True]]])
        _, _, instance = ssn_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long), centres, targets, mask, (4, 4))
        self.assertAlmostEqual(0.5, instance.item(), places=5)  # mean of distances 1 and 0
        _, _, empty = ssn_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long), centres, targets, mask & False, (4, 4))
        empty.backward()  # no instance pixel: zero, and the graph is kept
        self.assertEqual(0.0, empty.item())


if __name__ == "__main__":
    unittest.main()
