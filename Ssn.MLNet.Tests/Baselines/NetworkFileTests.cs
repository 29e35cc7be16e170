using Ssn.MLNet.Trainers.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Baselines;

[TestClass]
public sealed class NetworkFileTests
{
    [TestMethod]
    [DynamicData(nameof(Combinations.All), typeof(Combinations))]
    public void SavedModelsReloadWithIdenticalOutputs(Architecture architecture, DecoderKind decoder)
    {
        using var scope = NewDisposeScope();
        var options = new SsnNetworkOptions { ArchitectureOptions = architecture == Architecture.Espnet ? new EspnetOptions { Alpha3 = 3 } : null, GuidanceOffsetScale = 1.5 };
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
        using var loaded = NetworkWeights.CreateModel(NetworkWeights.ToSafetensors(model), "network.safetensors");
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
        var e = Assert.ThrowsExactly<InvalidDataException>(() => NetworkWeights.CreateModel("SSNW garbage"u8.ToArray(), "weights.bin"));
        StringAssert.Contains(e.Message, "weights.bin");
        byte[] whole;
        using (var model = SegmentationModels.Create(Architecture.Enet, DecoderKind.Bilinear, 5))
            whole = NetworkWeights.ToSafetensors(model);
        var half = Assert.ThrowsExactly<InvalidDataException>(() => NetworkWeights.CreateModel(whole[..(whole.Length / 2)], "half.safetensors"));
        StringAssert.Contains(half.Message, "half.safetensors");
        var wrong = Assert.ThrowsExactly<InvalidDataException>(() => NetworkWeights.CreateModel(whole, "enet.safetensors",
            System.Text.Json.JsonSerializer.Serialize(SsnNetworkOptions.Tiny(5))));
        StringAssert.Contains(wrong.Message, "enet.safetensors");
    }

    /// <summary>Half and bfloat16 networks save as F16/BF16 tensors and load back bit for bit (into a network of the same
    /// type), and into a float32 network as the exactly widened values.</summary>
    [TestMethod]
    [DataRow(ScalarType.Float16, "F16")]
    [DataRow(ScalarType.BFloat16, "BF16")]
    public void HalfAndBFloat16TensorsRoundTrip(ScalarType type, string dtype)
    {
        using var scope = NewDisposeScope();
        using var source = SegmentationModels.Create(SsnNetworkOptions.Tiny(5));
        using var reference = SegmentationModels.Create(SsnNetworkOptions.Tiny(5));
        source.to(type);
        byte[] file = NetworkWeights.ToSafetensors(source);
        long headerLength = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var header = System.Text.Json.JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        var (firstName, first) = source.state_dict().First(kv => kv.Value.is_floating_point());
        Assert.AreEqual(dtype, header.RootElement.GetProperty(firstName).GetProperty("dtype").GetString());
        Assert.AreEqual(first.numel() * 2, header.RootElement.GetProperty(firstName).GetProperty("data_offsets")[1].GetInt64()
                                           - header.RootElement.GetProperty(firstName).GetProperty("data_offsets")[0].GetInt64());

        using var same = SegmentationModels.Create(SsnNetworkOptions.Tiny(5));
        same.to(type);
        Assert.IsTrue(NetworkWeights.LoadSafetensors(same, file, "half.safetensors", strict: true).IsExact);
        using var widened = SegmentationModels.Create(SsnNetworkOptions.Tiny(5));
        NetworkWeights.LoadSafetensors(widened, file, "half.safetensors", strict: true);
        var widenedState = widened.state_dict();
        foreach (var (name, tensor) in same.state_dict())
        {
            Assert.IsTrue(tensor.dtype == type || !tensor.is_floating_point(), $"{name}: {tensor.dtype}");
            Assert.IsTrue(tensor.equal(source.state_dict()[name]).all().item<bool>(), $"{name}: not bit for bit");
            if (tensor.is_floating_point())
                Assert.IsTrue(tensor.to(ScalarType.Float32).equal(widenedState[name]).all().item<bool>(), $"{name}: not widened exactly");
        }
    }
}
