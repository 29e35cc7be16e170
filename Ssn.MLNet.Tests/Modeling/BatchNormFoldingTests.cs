using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

[TestClass]
public sealed class BatchNormFoldingTests
{
    [TestMethod]
    public void FoldedAndUnfoldedNetworksAgreeInEvalMode()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var net = SegmentationModels.Create(SsnNetworkOptions.Tiny(numClasses: 6));
        // Give every BatchNorm non-trivial statistics and affine parameters.
        net.train();
        using (no_grad())
        {
            foreach (var (name, p) in net.named_parameters())
                if (name.Contains("bn")) p.copy_(rand_like(p) + 0.5);
            for (int i = 0; i < 3; i++) net.ForwardHeads(randn(2, 3, 40, 56) * 2 + 0.3).Dispose();
        }
        net.eval();
        using var folded = net.ToInferenceModel();
        Assert.IsTrue(folded.IsBatchNormFolded);
        Assert.IsFalse(net.IsBatchNormFolded);

        using var _ = no_grad();
        var x = randn(1, 3, 40, 56);
        using var a = net.ForwardHeads(x);
        using var b = folded.ForwardHeads(x);
        double logitDiff = (a.Logits - b.Logits).abs().max().item<float>();
        double centreDiff = (a.Centres! - b.Centres!).abs().max().item<float>();
        Assert.IsTrue(logitDiff < 1e-4, $"logits differ by {logitDiff}");
        Assert.IsTrue(centreDiff < 1e-4, $"centres differ by {centreDiff}");
        // Folding really changed the weights (a test that cannot pass by accident).
        var w0 = ((SsnEncoder)net.Encoder).Blocks.OfType<NonBottleneck1D>().First().named_parameters().First(p => p.name.Contains("conv1x3")).parameter;
        var w1 = ((SsnEncoder)folded.Encoder).Blocks.OfType<NonBottleneck1D>().First().named_parameters().First(p => p.name.Contains("conv1x3")).parameter;
        Assert.IsTrue((w0 - w1).abs().max().item<float>() > 1e-3, "folding did not change conv weights");
    }
}
