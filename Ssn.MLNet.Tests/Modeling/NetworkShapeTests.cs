using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

[TestClass]
public sealed class NetworkShapeTests
{
    [TestMethod]
    [DataRow(64, 64)]
    [DataRow(48, 80)]
    [DataRow(37, 53)]   // not multiples of 8: padded, then cropped back
    [DataRow(9, 130)]
    public void OutputsHaveTheInputSize(int height, int width)
    {
        using var scope = NewDisposeScope();
        using var net = SegmentationModels.Create(SsnNetworkOptions.Tiny(numClasses: 5));
        net.eval();
        using var _ = no_grad();
        var images = randn(2, 3, height, width);
        using var output = net.ForwardHeads(images);
        long h8 = (height + 7) / 8, w8 = (width + 7) / 8;
        CollectionAssert.AreEqual(new long[] { 2, 5, h8, w8 }, output.Logits.shape);
        CollectionAssert.AreEqual(new long[] { 2, 2, h8, w8 }, output.Guidance.shape);
        CollectionAssert.AreEqual(new long[] { 2, 2, h8, w8 }, output.Centres!.shape);
        CollectionAssert.AreEqual(new long[] { 2, 5, height, width }, net.Decode(output, GridSampleMode.Bilinear).Logits.shape);
        CollectionAssert.AreEqual(new long[] { 2, 2, height, width },
            net.Decode(output, GridSampleMode.Nearest).Centres!.shape);
    }

    [TestMethod]
    public void DefaultNetworkIsThePapersSize()
    {
        using var net = SegmentationModels.Create();
        long parameters = net.parameters().Sum(p => p.numel());
        // 3 downsamplers + 13 LNB blocks (5 × 64 ch, 8 × 128 ch) + three 1×1 heads: ≈ 1.27 M.
        Assert.IsTrue(parameters is > 1_200_000 and < 1_350_000, $"parameters = {parameters}");
        Assert.AreEqual(16, ((SsnEncoder)net.Encoder).Blocks.Count());
        using var _ = no_grad();
        net.eval();
        using var output = net.ForwardHeads(zeros(1, 3, 64, 128));
        CollectionAssert.AreEqual(new long[] { 1, 19, 8, 16 }, output.Logits.shape);
    }

    [TestMethod]
    public void InvalidOptionsNameTheOption()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SegmentationModels.Create(new SsnNetworkOptions { SamplingSteps = 0 }));
        StringAssert.Contains(e.Message, "SamplingSteps");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SegmentationModels.Create(new SsnNetworkOptions { MiddleDropout = 1.5 }));
        StringAssert.Contains(e.Message, "MiddleDropout");
    }
}
