using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Tests.Baselines;

/// <summary>
/// The baselines are recognisably the published networks: parameter counts at 19 classes near those reported
/// (ERFNet ≈ 2.1 M, Romera et al. 2018; ENet ≈ 0.36–0.37 M and ESPNet ≈ 0.36 M, as compared by Mehta et al. 2018).
/// </summary>
[TestClass]
public sealed class ParameterCountTests
{
    [TestMethod]
    [DataRow("Erfnet", 1.95e6, 2.25e6)]
    [DataRow("Enet", 0.34e6, 0.39e6)]
    [DataRow("Espnet", 0.34e6, 0.39e6)]
    public void OriginalNetworksHaveThePublishedSize(string architectureName, double low, double high)
    {
        var architecture = Architecture.Parse(architectureName);
        var counts = Enum.GetValues<DecoderKind>().ToDictionary(d => d, d =>
        {
            using var model = SegmentationModels.Create(architecture, d, 19);
            return model.parameters().Sum(p => p.numel());
        });
        Console.WriteLine($"{architecture} @ 19 classes: " + string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        long original = counts[DecoderKind.Original];
        Assert.IsTrue(original >= low && original <= high, $"{architecture}: {original:N0} parameters, published ≈ [{low:N0}, {high:N0}]");
        // iGUM replaces the decoder with two 1×1 heads: never larger than the original decoder.
        Assert.IsTrue(counts[DecoderKind.ImprovedGuidedUpsampling] < original, $"{architecture}: iGUM is not smaller than the original decoder");
        Assert.IsTrue(counts[DecoderKind.Bilinear] < counts[DecoderKind.ImprovedGuidedUpsampling]);
        Assert.IsTrue(counts[DecoderKind.ImprovedGuidedUpsampling] < counts[DecoderKind.GuidedUpsampling]);
    }
}
