using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Transforms;

namespace Ssn.MLNet.Tests.Onnx;

/// <summary>
/// The ONNX Runtime-backed transformer adds the same columns with the same values as the TorchSharp one, survives
/// <c>mlContext.Model.Save/Load</c>, and the exported full-resolution graph runs through ML.NET's own
/// <c>ApplyOnnxModel</c> with the same class map.
/// </summary>
[TestClass]
public sealed class OnnxTransformerTests
{
    private const int W = 128, H = 64;
    private static string root = "";
    private static MLContext ml = null!;
    private static IDataView images = null!;
    private static SpatialSamplingTransformer torch = null!;
    private static SsnOnnxTransformer onnx = null!;

    [ClassInitialize]
    public static void Setup(TestContext _)
    {
        root = Path.Combine(Path.GetTempPath(), $"ssn-onnx-{Guid.NewGuid():N}");
        ml = new MLContext(seed: 1);
        images = ml.Segmentation().Data.LoadSyntheticCityscapes(root, new SyntheticCityscapesOptions { Width = W, Height = H, TrainCount = 3, ValCount = 1, Seed = 4 }, "train");
        torch = TestNetworks.CarTransformer(ml);
        onnx = SsnOnnxExporter.ToOnnxTransformer(ml, torch);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        onnx?.Dispose();
        torch?.Dispose();
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    public sealed class Row
    {
        public byte[] PredictedLabel { get; set; } = Array.Empty<byte>();
        public int[] PredictedInstanceIds { get; set; } = Array.Empty<int>();
        public int[] InstanceClasses { get; set; } = Array.Empty<int>();
        public float[] InstanceScores { get; set; } = Array.Empty<float>();
        public int[] InstanceAreas { get; set; } = Array.Empty<int>();
    }

    private static List<Row> Read(IDataView scored, MLContext context) => context.Data.CreateEnumerable<Row>(scored, reuseRowObject: false).ToList();

    private static double Agreement<T>(T[] a, T[] b)
    {
        Assert.HasCount(a.Length, b);
        return a.Zip(b).Count(p => EqualityComparer<T>.Default.Equals(p.First, p.Second)) / (double)a.Length;
    }

    [TestMethod]
    public void SameColumnsAndPredictionsAsTheTorchSharpTransformer()
    {
        var expectedSchema = torch.GetOutputSchema(images.Schema);
        var actualSchema = onnx.GetOutputSchema(images.Schema);
        Assert.AreEqual(expectedSchema.Count, actualSchema.Count);
        for (int i = 0; i < expectedSchema.Count; i++)
        {
            Assert.AreEqual(expectedSchema[i].Name, actualSchema[i].Name);
            Assert.AreEqual(expectedSchema[i].Type, actualSchema[i].Type, expectedSchema[i].Name);
        }
        var a = Read(torch.Transform(images), ml);
        var b = Read(onnx.Transform(images), ml);
        Assert.HasCount(3, b);
        int instances = 0;
        for (int i = 0; i < a.Count; i++)
        {
            Assert.IsGreaterThanOrEqualTo(0.999, Agreement(a[i].PredictedLabel, b[i].PredictedLabel), $"row {i}: labels");
            Assert.IsGreaterThanOrEqualTo(0.99, Agreement(a[i].PredictedInstanceIds, b[i].PredictedInstanceIds), $"row {i}: instance ids");
            CollectionAssert.AreEqual(a[i].InstanceClasses, b[i].InstanceClasses, $"row {i}: instance classes");
            instances += a[i].InstanceClasses.Length;
        }
        Console.WriteLine($"{instances} instances in {a.Count} rows");
        Assert.IsGreaterThan(0, instances, "the test network must produce some instances for the comparison to mean something");
        // The 0.999 label agreement must be a real test: two classes each on at least 10 % of the pixels, and far more
        // label boundaries (where backends could disagree) than the 0.1 % of pixels the threshold forgives.
        var labels = a.SelectMany(r => r.PredictedLabel).ToArray();
        var shares = labels.GroupBy(l => l).Select(g => g.Count() / (double)labels.Length).OrderDescending().ToArray();
        Assert.IsTrue(shares.Length >= 2 && shares[1] >= 0.10, $"class shares {string.Join(", ", shares.Select(f => f.ToString("P0")))}: the map is nearly one class");
        int boundaries = a.Sum(r => Enumerable.Range(0, r.PredictedLabel.Length - 1).Count(k => (k + 1) % W != 0 && r.PredictedLabel[k] != r.PredictedLabel[k + 1]));
        Assert.IsGreaterThan(10 * (int)(0.001 * labels.Length), boundaries, $"{boundaries} label boundaries");
    }

    [TestMethod]
    public void SaveAndLoadInAFreshContextGivesIdenticalPredictions()
    {
        string path = Path.Combine(root, "onnx-model.zip");
        ml.Model.Save(onnx, images.Schema, path);
        var fresh = new MLContext(seed: 9);
        var loaded = fresh.Model.Load(path, out _);
        Assert.IsInstanceOfType<SsnOnnxTransformer>(loaded);
        var a = Read(onnx.Transform(images), ml);
        var b = Read(loaded.Transform(images), fresh);
        for (int i = 0; i < a.Count; i++)
        {
            CollectionAssert.AreEqual(a[i].PredictedLabel, b[i].PredictedLabel);
            CollectionAssert.AreEqual(a[i].PredictedInstanceIds, b[i].PredictedInstanceIds);
            CollectionAssert.AreEqual(a[i].InstanceScores, b[i].InstanceScores);
        }
        ((IDisposable)loaded).Dispose();
    }

    public sealed class TensorRow
    {
        [VectorType(1, 3, H, W)]
        public float[] image { get; set; } = Array.Empty<float>();
    }

    public sealed class OnnxOutputRow
    {
        public long[] labels { get; set; } = Array.Empty<long>();
    }

    [TestMethod]
    public void ApplyOnnxModelGivesTheSameClassMap()
    {
        string path = Path.Combine(root, "ssn.onnx");
        SsnOnnxExporter.Export(torch.Model, path);
        var rows = ml.Data.CreateEnumerable<ImageOnly>(images, reuseRowObject: false).Select(r =>
        {
            var chw = new float[3 * H * W];
            torch.Normalization.ToChw(r.Image, chw);
            return new TensorRow { image = chw };
        }).ToList();
        var pipeline = ml.Transforms.ApplyOnnxModel(new[] { SsnOnnxNames.Labels }, new[] { SsnOnnxNames.Image }, path,
            shapeDictionary: new Dictionary<string, int[]> { [SsnOnnxNames.Image] = new[] { 1, 3, H, W } }, gpuDeviceId: null, fallbackToCpu: false);
        var data = ml.Data.LoadFromEnumerable(rows);
        var scored = pipeline.Fit(data).Transform(data);
        var fromOnnx = ml.Data.CreateEnumerable<OnnxOutputRow>(scored, reuseRowObject: false).ToList();
        var expected = Read(torch.Transform(images), ml);
        Assert.HasCount(expected.Count, fromOnnx);
        for (int i = 0; i < expected.Count; i++)
            Assert.IsGreaterThanOrEqualTo(0.999, Agreement(expected[i].PredictedLabel.Select(l => (long)l).ToArray(), fromOnnx[i].labels), $"row {i}");
    }

    public sealed class ImageOnly
    {
        [ImageType(H, W)]
        public MLImage Image { get; set; } = null!;
    }
}
