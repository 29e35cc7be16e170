using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Tests.Baselines;

[TestClass]
public sealed class SegmentationModelComplexityTests
{
    [TestMethod]
    public void CountsConvolutionsAndTransposedConvolutionsExactly()
    {
        // ERFNet's decoder on ERFNet's encoder: count the decoder by hand from its layer list and compare the
        // difference with the bilinear model (same encoder, a 1×1 head).
        const int h = 32, w = 48, c = 7;
        using var original = SegmentationModels.Create(Architecture.Erfnet, DecoderKind.Original, c);
        using var bilinear = SegmentationModels.Create(Architecture.Erfnet, DecoderKind.Bilinear, c);
        var a = ModelComplexity.Measure(original, h, w);
        var b = ModelComplexity.Measure(bilinear, h, w);
        long p8 = h / 8 * w / 8, p4 = p8 * 4, p2 = p4 * 4;
        long nonBt(long ch, long pixels) => 4 * pixels * ch * ch * 3;
        long decoder = p8 * 64 * 128 * 9          // deconv 128 → 64, 3×3, counted per input pixel
                       + 2 * nonBt(64, p4)
                       + p4 * 16 * 64 * 9          // deconv 64 → 16
                       + 2 * nonBt(16, p2)
                       + p2 * c * 16 * 4;          // deconv 16 → C, 2×2
        long head = p8 * c * 128;
        Assert.AreEqual(decoder - head, a.MultiplyAdds - b.MultiplyAdds);
        Assert.AreEqual(original.parameters().Sum(p => p.numel()), a.Parameters);
    }

    [TestMethod]
    public void ImprovedGuidedUpsamplingCostsLessThanEachOriginalDecoder()
    {
        foreach (var arch in new[] { Architecture.Erfnet, Architecture.Enet, Architecture.Espnet })
        {
            using var original = SegmentationModels.Create(arch, DecoderKind.Original, 19);
            using var igum = SegmentationModels.Create(arch, DecoderKind.ImprovedGuidedUpsampling, 19);
            var o = ModelComplexity.Measure(original, 64, 128);
            var i = ModelComplexity.Measure(igum, 64, 128);
            Console.WriteLine($"{arch} @ 64×128: original {o.GFlops:F3} GFLOPs, iGUM {i.GFlops:F3} GFLOPs");
            Assert.IsTrue(i.MultiplyAdds < o.MultiplyAdds, $"{arch}: iGUM {i.MultiplyAdds} ≥ original {o.MultiplyAdds}");
        }
    }
}
