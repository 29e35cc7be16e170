using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.RealData;
using Ssn.MLNet.Trainers;

namespace Ssn.MLNet.Tests.Samples;

[TestClass]
[DoNotParallelize] // sets the process-wide cache variable
public sealed class ClassBalanceTests
{
    // Hand-made histogram: 4 classes, the last absent; 100 labelled pixels of 125, in images of 50, 50 and 25 pixels.
    private static readonly LabelHistogram Hand = new(new long[] { 60, 30, 10, 0 }, new long[] { 100, 100, 50, 0 }, 125, 3);

    [TestMethod]
    public void EnetWeightsMatchHandComputedValues()
    {
        var w = ClassBalance.Weights(Hand, ClassWeighting.Enet)!;
        // 1 / ln(1.02 + p) with p = 60/125, 30/125, 10/125, 0 (ignored pixels count in the denominator), computed by hand.
        CollectionAssert.AreEqual(new[] { 2.4663f, 4.3269f, 10.4921f, 50.4983f }, w.Select(v => MathF.Round(v, 4)).ToArray());
    }

    [TestMethod]
    public void MedianFrequencyWeightsMatchHandComputedValues()
    {
        var w = ClassBalance.Weights(Hand, ClassWeighting.MedianFrequency)!;
        // f = 60/100, 30/100, 10/50 → median 0.3 → 0.5, 1, 1.5; the absent class gets the largest present weight.
        CollectionAssert.AreEqual(new[] { 0.5f, 1f, 1.5f, 1.5f }, w.Select(v => MathF.Round(v, 4)).ToArray());
        Assert.IsNull(ClassBalance.Weights(Hand, ClassWeighting.None));
    }

    [TestMethod]
    public void NoLabelledPixelIsAClearError()
    {
        var empty = new LabelHistogram(new long[3], new long[3], 80, 2);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ClassBalance.Weights(empty, ClassWeighting.Enet));
        StringAssert.Contains(e.Message, "no labelled pixel");
    }

    [TestMethod]
    public void HistogramIsCachedOutsideTheDataAndRecountedWhenALabelChanges()
    {
        using var data = new TempDirectory();
        using var cache = new TempDirectory();
        new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 2, ValCount = 1, Seed = 3, WriteColorImages = false })
            .Generate(data.Path);
        string? old = Environment.GetEnvironmentVariable(ClassBalance.CacheDirectoryVariable);
        Environment.SetEnvironmentVariable(ClassBalance.CacheDirectoryVariable, cache.Path);
        try
        {
            var source = new CityscapesDataSource(data.Path, "train");
            var first = ClassBalance.Count(source, SegmentationColumns.Label, 19);
            // Independent count: the decoded label maps, pixel by pixel.
            var expected = new long[19];
            for (int r = 0; r < source.Count; r++) foreach (byte v in source.LoadLabel(r).Data) if (v < 19) expected[v]++;
            CollectionAssert.AreEqual(expected, first.Pixels);
            Assert.AreEqual(2, first.Images);
            var files = Directory.GetFiles(Path.Combine(cache.Path, "label-histograms"), "*.json");
            Assert.AreEqual(1, files.Length, "one cache file, in the cache folder (not in the data folder)");

            // A second count reads the cache: make the cached numbers recognisable, then count again.
            File.WriteAllText(files[0], File.ReadAllText(files[0]).Replace("\"Images\":2", "\"Images\":7"));
            Assert.AreEqual(7, ClassBalance.Count(new CityscapesDataSource(data.Path, "train"), SegmentationColumns.Label, 19).Images);

            // A changed label file (new size and time stamp) is recounted.
            var label = source.Rows[0].Label;
            File.AppendAllText(label, "");
            File.SetLastWriteTimeUtc(label, DateTime.UtcNow.AddMinutes(5));
            Assert.AreEqual(2, ClassBalance.Count(new CityscapesDataSource(data.Path, "train"), SegmentationColumns.Label, 19).Images);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ClassBalance.CacheDirectoryVariable, old);
        }
    }

    [TestMethod]
    public void WeightsOnRealCamVidMatchIndependentCounts()
    {
        string root = SharedData.CamVidOrSkip();
        var train = new MLContext(seed: 1).Segmentation().Data.LoadCamVid(root, "train");
        var histogram = ClassBalance.Count(train, SegmentationColumns.Label, 11);
        Assert.AreEqual(367, histogram.Images);
        // ENet weights of the CamVid train split as listed in the project's field guide (counted there with other code).
        var enet = new[] { 5.79f, 4.44f, 34.0f, 3.45f, 15.9f, 9.02f, 32.0f, 32.5f, 13.2f, 38.4f, 44.1f };
        // Median-frequency weights of the same files counted independently with numpy/PIL (Eigen & Fergus's definition).
        // SegNet's published prototxt weights differ (SignSymbol 9.64 vs 3.85): they were not computed from these files.
        var median = new[] { 0.2793f, 0.2017f, 4.7865f, 0.1490f, 1.0f, 0.4217f, 3.8467f, 1.9736f, 0.7889f, 6.3747f, 8.8587f };
        var we = ClassBalance.Weights(histogram, ClassWeighting.Enet)!;
        var wm = ClassBalance.Weights(histogram, ClassWeighting.MedianFrequency)!;
        for (int c = 0; c < 11; c++)
        {
            Assert.AreEqual(enet[c], we[c], enet[c] * 0.005, $"ENet weight of class {c}");
            Assert.AreEqual(median[c], wm[c], 1e-3, $"median-frequency weight of class {c}");
        }
    }
}
