using Ssn.MLNet.Modeling;
using Ssn.MLNet.Trainers.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Baselines;

[TestClass]
public sealed class SegmentationModelSerializerTests
{
    [TestMethod]
    [DynamicData(nameof(Combinations.All), typeof(Combinations))]
    public void SavedModelsReloadWithIdenticalOutputs(Architecture architecture, DecoderKind decoder)
    {
        using var scope = NewDisposeScope();
        var options = new SsnNetworkOptions { EspnetAlpha3 = 3, GuidanceOffsetScale = 1.5 };
        using var model = SegmentationModels.Create(architecture, decoder, 6, options);
        // Non-trivial state: a few training forwards update BatchNorm statistics; a non-zero guidance bias.
        model.train();
        using (no_grad())
        {
            for (int i = 0; i < 2; i++) model.forward(randn(1, 3, 32, 32) * 2 + 0.5);
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("guidance", StringComparison.OrdinalIgnoreCase) && name.EndsWith("bias", StringComparison.Ordinal)) p.fill_(0.2);
        }
        model.eval();
        using var stream = new MemoryStream();
        SegmentationModelSerializer.Save(model, stream);
        stream.Position = 0;
        using var loaded = SegmentationModelSerializer.Load(stream);
        loaded.eval();
        Assert.AreEqual(architecture, loaded.Options.Architecture);
        Assert.AreEqual(decoder, loaded.Options.Decoder);
        Assert.AreEqual(System.Text.Json.JsonSerializer.Serialize(model.Options), System.Text.Json.JsonSerializer.Serialize(loaded.Options));
        using var _ = no_grad();
        var x = randn(1, 3, 40, 48);
        float diff = (model.forward(x).Logits - loaded.forward(x).Logits).abs().max().item<float>();
        Assert.AreEqual(0f, diff, $"{architecture}/{decoder}: reloaded model differs by {diff}");
    }

    [TestMethod]
    public void ForeignBytesAreRejectedNamingTheSource()
    {
        using var stream = new MemoryStream("SSNW garbage"u8.ToArray());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SegmentationModelSerializer.Load(stream, name: "weights.bin"));
        StringAssert.Contains(e.Message, "weights.bin");
        using var truncated = new MemoryStream();
        using (var model = SegmentationModels.Create(Architecture.Enet, DecoderKind.Bilinear, 5))
            SegmentationModelSerializer.Save(model, truncated);
        var cut = new MemoryStream(truncated.ToArray().AsSpan(0, (int)truncated.Length / 2).ToArray());
        Assert.ThrowsExactly<InvalidDataException>(() => SegmentationModelSerializer.Load(cut, name: "half.bin"));
    }
}
