"""Parity with the .NET network on the committed fixtures (fixtures/dotnet: written by Ssn.MLNet's PyTorchTwinTests;
fixtures/python: written by `python3 -m ssn_torch.parity write`, checked by the same .NET test class)."""
import os
import tempfile
import unittest

from ssn_torch import parity

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


class ParityTest(unittest.TestCase):
    def test_dotnet_weights_give_the_dotnet_outputs_here(self):
        report = parity.compare(os.path.join(FIXTURES, "dotnet"))
        self.assertTrue(report["written_by"].startswith("Ssn.MLNet"), report["written_by"])
        self.assertTrue(report["ok"], report)
        for name in ("logits8", "guidance", "instance_guidance", "centres8", "logits", "centres"):
            self.assertIn(name, report["outputs"])

    def test_the_python_fixture_is_what_this_code_computes(self):
        with tempfile.TemporaryDirectory() as d:
            parity.write(d)  # same seed and steps as the committed fixture
            report = parity.compare(os.path.join(FIXTURES, "python"))
            again = parity.compare(d)
        self.assertTrue(report["ok"], report)
        self.assertLessEqual(report["worst"], 1e-5, "rewrite fixtures/python after a deliberate change")
        self.assertEqual(0.0, again["worst"])


if __name__ == "__main__":
    unittest.main()
