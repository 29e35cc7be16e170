using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

[TestClass]
public sealed class SerializationTests
{
    [TestMethod]
    public void SaveLoadRoundTripGivesIdenticalOutputs()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var net = SegmentationModels.Create(SsnNetworkOptions.Tiny(numClasses: 3) with { SamplingSteps = 7 });
        net.train();
        using (no_grad()) net.forward(randn(2, 3, 32, 32)).Dispose(); // non-default BN statistics
        net.eval();
        string path = Path.Combine(Path.GetTempPath(), $"ssn-{Guid.NewGuid():N}.safetensors");
        try
        {
            NetworkWeights.SaveSafetensors(net, path);
            using var loaded = NetworkWeights.LoadModel(path);
            loaded.eval();
            Assert.AreEqual(net.Options.SamplingSteps, loaded.Options.SamplingSteps);
            CollectionAssert.AreEqual(net.Options.DeepDilations.ToArray(), loaded.Options.DeepDilations.ToArray());
            using var _ = no_grad();
            var x = randn(1, 3, 40, 24);
            using var a = net.forward(x);
            using var b = loaded.forward(x);
            Assert.IsTrue(a.Logits.equal(b.Logits).all().item<bool>(), $"logits differ after reload by {(a.Logits - b.Logits).abs().max().item<float>()}");
            Assert.IsTrue(a.Centres!.equal(b.Centres!).all().item<bool>(), "centres differ after reload");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadingGarbageNamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ssn-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        try
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => NetworkWeights.LoadModel(path));
            StringAssert.Contains(e.Message, path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
