using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Tests.Baselines;

/// <summary>ENet's decoder unpools with the encoder's max-pooling indices (Paszke et al. 2016, after SegNet).</summary>
[TestClass]
public sealed class EnetUnpoolingTests
{
    [TestMethod]
    public void UnpoolingPutsEachMaximumBackWhereItCameFrom()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 6, 10);
        var (pooled, indices) = max_pool2d_with_indices(x, new[] { 2L, 2L }, new[] { 2L, 2L });
        var unpooled = EnetUpsamplingBottleneck.Unpool(pooled, indices, new[] { 6L, 10L });
        // Same as libtorch's own max_unpool2d (default output size) ...
        var reference = max_unpool2d(pooled, indices, new[] { 2L, 2L });
        Assert.AreEqual(0f, (unpooled - reference).abs().max().item<float>());
        // ... and by construction: every 2×2 window holds its maximum at the original place and zeros elsewhere.
        var mask = unpooled != 0;
        Assert.IsTrue((unpooled.masked_select(mask) == x.masked_select(mask)).all().item<bool>());
        Assert.AreEqual(2L * 3 * 3 * 5, mask.sum().item<long>());
    }

    [TestMethod]
    public void EnetEncoderOutputCarriesIndicesOfBothDownsamplings()
    {
        using var scope = NewDisposeScope();
        using var encoder = new EnetEncoder();
        encoder.eval();
        using var _ = no_grad();
        var output = (EnetEncoderOutput)encoder.Encode(randn(1, 3, 32, 48));
        CollectionAssert.AreEqual(new long[] { 1, 128, 4, 6 }, output.Features.shape);
        CollectionAssert.AreEqual(new long[] { 16, 24 }, output.Stage1InputSize);
        CollectionAssert.AreEqual(new long[] { 1, 16, 8, 12 }, output.Stage1Indices.shape);
        CollectionAssert.AreEqual(new long[] { 8, 12 }, output.Stage2InputSize);
        CollectionAssert.AreEqual(new long[] { 1, 64, 4, 6 }, output.Stage2Indices.shape);
    }
}
