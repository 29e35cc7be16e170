using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Tests.Modeling;

[TestClass]
public sealed class ImprovedGuidedUpsamplingTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    [DataRow(8L, 8L, 64L, 64L)]
    [DataRow(5L, 7L, 40L, 56L)]
    [DataRow(6L, 9L, 45L, 70L)] // non-integer factors
    public void ZeroGuidanceEqualsBilinearInterpolation(long h, long w, long outH, long outW)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var input = randn(2, 19, h, w);
        var guidance = zeros(2, 2, h, w);
        var igum = new ImprovedGuidedUpsampling();
        var guided = igum.forward(input, guidance, outH, outW);
        var bilinear = interpolate(input, new[] { outH, outW }, mode: InterpolationMode.Bilinear, align_corners: false);
        double maxDiff = (guided - bilinear).abs().max().item<float>();
        Assert.IsTrue(maxDiff < 1e-5, $"max |iGUM − bilinear| = {maxDiff}");
    }

    [TestMethod]
    public void UnitGuidanceMovesTheSamplingPointByOneLowResolutionPixel()
    {
        using var scope = NewDisposeScope();
        // A horizontal ramp: value = column index. With guidance (+1, 0) every output pixel reads one column further right.
        long h = 4, w = 8, f = 4;
        var ramp = arange(w, dtype: float32).view(1, 1, 1, w).expand(1, 1, h, w).contiguous();
        var guidance = zeros(1, 2, h, w);
        guidance[0, 0] = ones(h, w);
        var igum = new ImprovedGuidedUpsampling();
        var plain = igum.forward(ramp, zeros(1, 2, h, w), h * f, w * f);
        var moved = igum.forward(ramp, guidance, h * f, w * f);
        // Away from the clamped borders the difference is exactly one column.
        var diff = (moved - plain)[0, 0, .., (int)f..(int)(w * f - 2 * f)];
        Assert.AreEqual(1.0, diff.min().item<float>(), 1e-5);
        Assert.AreEqual(1.0, diff.max().item<float>(), 1e-5);
    }

    [TestMethod]
    public void NearestModeKeepsIntegerValues()
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, 50, new long[] { 1, 1, 6, 6 }).to(float32);
        var guidance = rand(1, 2, 6, 6) * 2 - 1;
        var up = new ImprovedGuidedUpsampling().forward(ids, guidance, 48, 48, GridSampleMode.Nearest);
        Assert.AreEqual(0.0, (up - up.round()).abs().max().item<float>(), 0.0);
        // Every sampled value is one of the input values.
        var inputs = ids.flatten().data<float>().ToHashSet();
        Assert.IsTrue(up.flatten().data<float>().All(inputs.Contains));
    }
}
