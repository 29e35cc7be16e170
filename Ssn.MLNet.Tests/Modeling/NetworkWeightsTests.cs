using System.Buffers.Binary;
using System.Text.Json;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>
/// safetensors in and out: a round trip restores every tensor bit for bit, the file is the format PyTorch's
/// safetensors reads (checked here byte by byte; against PyTorch itself by PyTorchTwinTests), and partial
/// loads say what did not match.
/// </summary>
[TestClass]
public sealed class NetworkWeightsTests
{
    [TestMethod]
    public void ARoundTripRestoresEveryTensorAndThePredictions()
    {
        using var dir = new TempDirectory();
        string path = dir.File("weights.safetensors");
        var source = TestNetworks.Tiny(numClasses: 5, seed: 3);
        NetworkWeights.SaveSafetensors(source, path);
        var target = TestNetworks.Tiny(numClasses: 5, seed: 9);
        var report = NetworkWeights.LoadSafetensors(target, path, strict: true);
        Assert.IsTrue(report.IsExact, report.ToString());
        Assert.HasCount(source.state_dict().Count, report.Loaded);
        foreach (var (name, tensor) in source.state_dict())
            Assert.IsTrue(tensor.allclose(target.state_dict()[name], 0, 0), name);
        source.eval(); target.eval();
        using var x = randn(1, 3, 32, 64, generator: new TorchSharp.torch.Generator(5));
        using var a = source.ForwardHeads(x);
        using var b = target.ForwardHeads(x);
        Assert.IsTrue(a.Logits.allclose(b.Logits, 0, 0));
        Assert.AreEqual(JsonSerializer.Serialize(source.Options), JsonSerializer.Serialize(NetworkWeights.ReadNetworkOptions(path)), "the options travel in the header");
    }

    [TestMethod]
    public void TheFileIsSafetensorsAsPyTorchReadsIt()
    {
        using var dir = new TempDirectory();
        string path = dir.File("weights.safetensors");
        var network = TestNetworks.Tiny(numClasses: 5);
        NetworkWeights.SaveSafetensors(network, path);
        byte[] file = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.AreEqual(0, headerLength % 8, "the header is padded to 8 bytes");
        using var header = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        long expectedOffset = 0;
        foreach (var (name, tensor) in network.state_dict())
        {
            var entry = header.RootElement.GetProperty(name);
            Assert.AreEqual(tensor.dtype == ScalarType.Int64 ? "I64" : "F32", entry.GetProperty("dtype").GetString(), name);
            CollectionAssert.AreEqual(tensor.shape, entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), name);
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            Assert.AreEqual(expectedOffset, offsets[0], name);
            Assert.AreEqual(tensor.numel() * tensor.ElementSize, offsets[1] - offsets[0], name);
            expectedOffset = offsets[1];
            if (tensor.dtype == ScalarType.Float32) // little-endian float32 data, as PyTorch writes it
            {
                float first = BitConverter.ToSingle(file, (int)(8 + headerLength + offsets[0]));
                Assert.AreEqual(tensor.flatten()[0].item<float>(), first, name);
            }
        }
        Assert.AreEqual(8 + headerLength + expectedOffset, file.Length, "no bytes after the last tensor");
        StringAssert.Contains(header.RootElement.GetProperty("__metadata__").GetProperty(NetworkWeights.NetworkOptionsKey).GetString(), "StemChannels");
        Assert.IsTrue(header.RootElement.TryGetProperty("encoder.layers.0.bn.running_mean", out _), "buffers use PyTorch's names");
    }

    [TestMethod]
    public void APartialLoadKeepsWhatDoesNotMatchAndSaysSo()
    {
        using var dir = new TempDirectory();
        string path = dir.File("weights.safetensors");
        NetworkWeights.SaveSafetensors(TestNetworks.Tiny(numClasses: 19, seed: 3), path);
        var target = TestNetworks.Tiny(numClasses: 5, seed: 9);
        using var classifierBefore = target.GuidedDecoder!.ClassHead.weight!.clone();
        var report = NetworkWeights.LoadSafetensors(target, path);
        Assert.IsFalse(report.IsExact);
        CollectionAssert.AreEquivalent(new[] { "decoder.classifier.weight [19, 64, 1, 1] vs [5, 64, 1, 1]", "decoder.classifier.bias [19] vs [5]" },
            report.ShapeMismatches.Select(m => m.Replace(target.GuidedDecoder!.ClassHead.weight.shape[1].ToString(), "64")).ToArray());
        Assert.IsTrue(target.GuidedDecoder!.ClassHead.weight.allclose(classifierBefore, 0, 0), "a mismatched tensor keeps its values");
        Assert.HasCount(target.state_dict().Count - 2, report.Loaded);
        StringAssert.Contains(report.ToString(), "other shapes (kept): decoder.classifier.weight");
        var strict = Assert.ThrowsExactly<InvalidDataException>(() => NetworkWeights.LoadSafetensors(TestNetworks.Tiny(numClasses: 5), path, strict: true));
        StringAssert.Contains(strict.Message, path);
    }

    [TestMethod]
    public void ABadFileIsNamed()
    {
        using var dir = new TempDirectory();
        string truncated = dir.File("truncated.safetensors"), half = dir.File("half.safetensors");
        File.WriteAllBytes(truncated, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => NetworkWeights.LoadSafetensors(TestNetworks.Tiny(), truncated));
        StringAssert.Contains(e.Message, truncated);
        string header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        var bytes = new byte[8 + header.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        System.Text.Encoding.ASCII.GetBytes(header).CopyTo(bytes, 8);
        File.WriteAllBytes(half, bytes);
        var net = SegmentationModels.Create(SsnNetworkOptions.Tiny(5));
        // "a" is not a network tensor: ignored, nothing loaded, no error unless strict.
        Assert.HasCount(0, NetworkWeights.LoadSafetensors(net, half).Loaded);
    }
}
