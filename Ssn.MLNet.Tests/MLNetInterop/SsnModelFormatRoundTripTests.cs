using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.PersistenceProbe;

namespace Ssn.MLNet.Tests.MLNetInterop;

[TestClass]
public sealed class SsnModelFormatRoundTripTests
{
    private string dir = "";

    [TestInitialize]
    public void CreateDir() => dir = ModelFiles.NewTempDir();

    [TestCleanup]
    public void DeleteDir() => Directory.Delete(dir, recursive: true);

    [TestMethod]
    public void PlainModelLoadInAFreshContextRestoresTheTransformer()
    {
        var saver = new MLContext(seed: 1);
        var original = ModelFiles.SamplePayload();
        var data = ProbeData.Create(saver);
        string path = Path.Combine(dir, "payload.zip");
        saver.Model.Save(original, data.Schema, path);

        var loader = new MLContext(seed: 2); // fresh context, no registration call
        var loaded = loader.Model.Load(path, out var schema);

        var payload = loaded as PayloadTransformer;
        Assert.IsNotNull(payload, $"loaded a {loaded.GetType().FullName}");
        Assert.AreNotSame(original, payload);
        CollectionAssert.AreEqual(original.Weights, payload.Weights);
        Assert.AreEqual(original.Bias, payload.Bias);
        Assert.AreEqual("Features", payload.InputColumn);
        Assert.AreEqual("Score", payload.OutputColumn);
        Assert.AreEqual(data.Schema["Features"].Type, schema["Features"].Type);

        var expected = ModelFiles.ExpectedScores(loader, original);
        CollectionAssert.AreEqual(expected, ProbeData.Format(original.Transform(ProbeData.Create(saver)), "Score"));
        CollectionAssert.AreEqual(expected, ProbeData.Format(loaded.Transform(ProbeData.Create(loader)), "Score"));
    }

    [TestMethod]
    public void WeightsAreABinaryStreamEntryInsideTheZip()
    {
        var ml = new MLContext(seed: 1);
        var original = ModelFiles.SamplePayload();
        string path = Path.Combine(dir, "payload.zip");
        SsnModelFile.Save(ml, original, ProbeData.Create(ml).Schema, path);

        var names = ModelFiles.EntryNames(path);
        Assert.IsFalse(Directory.EnumerateFiles(dir).Any(f => f.EndsWith(".tmp")), "temporary file left behind");
        byte[] weights = ModelFiles.ReadEntry(path, n => n.EndsWith("/" + PayloadTransformer.WeightsStream));
        var floats = Enumerable.Range(0, weights.Length / 4).Select(i => BitConverter.ToSingle(weights, 4 * i)).ToArray();
        CollectionAssert.AreEqual(original.Weights, floats, string.Join(", ", names));
    }

    [TestMethod]
    public void TransformerInsideAChainRoundTrips()
    {
        var ml = new MLContext(seed: 1);
        var data = ProbeData.Create(ml);
        var copy = ml.Transforms.CopyColumns("Features", "Features").Fit(data);
        var chain = new TransformerChain<ITransformer>(copy, ModelFiles.SamplePayload());
        string path = Path.Combine(dir, "chain.zip");
        SsnModelFile.Save(ml, chain, data.Schema, path);

        var fresh = new MLContext(seed: 3);
        var payload = SsnModelFile.LoadTransformer<PayloadTransformer>(fresh, path, out var schema);
        var whole = fresh.Model.Load(path, out _);

        Assert.IsNotNull(schema);
        Assert.HasCount(2, (TransformerChain<ITransformer>)whole);
        CollectionAssert.AreEqual(ModelFiles.SamplePayload().Weights, payload.Weights);
        CollectionAssert.AreEqual(ModelFiles.ExpectedScores(fresh, payload),
            ProbeData.Format(whole.Transform(ProbeData.Create(fresh)), "Score"));
    }

    [TestMethod]
    public void AFreshProcessLoadsTheModelWithNoRegistration()
    {
        var ml = new MLContext(seed: 1);
        var original = ModelFiles.SamplePayload();
        string path = Path.Combine(dir, "payload.zip");
        SsnModelFile.Save(ml, original, ProbeData.Create(ml).Schema, path);

        var (exitCode, lines, error) = ModelFiles.RunProbe(path, "Score");
        Assert.AreEqual(0, exitCode, $"probe failed:\n{string.Join('\n', lines)}\n{error}");
        Assert.AreEqual($"type={typeof(PayloadTransformer).FullName}", lines[0]);
        CollectionAssert.AreEqual(ModelFiles.ExpectedScores(ml, original), lines[1..]);
    }
}
