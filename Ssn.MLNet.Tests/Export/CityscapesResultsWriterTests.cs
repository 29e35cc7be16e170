using System.Globalization;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.ResultFiles;
using Ssn.MLNet.Tests.Imaging;

namespace Ssn.MLNet.Tests.Export;

[TestClass]
public sealed class CityscapesResultsWriterTests
{
    private const string ImageName = "frankfurt_000000_000294_leftImg8bit.png";

    /// <summary>A 20×12 prediction: road (0) everywhere, a car (13) block as instance 1, a person (11) block as instance 2.</summary>
    private static (byte[] Labels, int[] Ids, int[] Classes, float[] Scores) Prediction()
    {
        const int w = 20, h = 12;
        var labels = new byte[w * h];
        var ids = new int[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (x < 10 && y < 11) { labels[i] = 13; ids[i] = 1; }          // 110 px car
                else if (x >= 12 && y >= 1) { labels[i] = 11; ids[i] = 2; }   // 88 px person
                else if (y == 11) labels[i] = 2;                               // building row
            }
        return (labels, ids, new[] { 13, 11 }, new[] { 0.875f, 0.5f });
    }

    private static List<(string Mask, int LabelId, double Confidence)> ParseList(string path) =>
        File.ReadAllLines(path).Select(l => l.Split(' ')).Select(p =>
        {
            Assert.AreEqual(3, p.Length, $"line '{string.Join(' ', p)}' must be 'mask labelId confidence'");
            return (p[0], int.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture));
        }).ToList();

    [TestMethod]
    public void PixelResultsHoldLabelIdsAndParseBack()
    {
        using var dir = new TempDirectory();
        var (labels, ids, classes, scores) = Prediction();
        var files = new CityscapesResultsWriter(dir.Path).Write("/data/" + ImageName, labels, 20, 12, ids, classes, scores);

        Assert.AreEqual(Path.Combine(dir.Path, "pixel", "frankfurt_000000_000294_leftImg8bit.png"), files.PixelPng);
        var written = LabelPng.ReadGray8(files.PixelPng);
        Assert.AreEqual(20, written.Width);
        Assert.AreEqual(12, written.Height);
        var expected = labels.Select(t => (byte)(t switch { 0 => 7, 2 => 11, 11 => 24, 13 => 26, _ => 255 })).ToArray();
        CollectionAssert.AreEqual(expected, written.Data, "train ids road/building/person/car → label ids 7/11/24/26");
    }

    [TestMethod]
    public void InstanceListNamesMasksWithLabelIdsAndScores()
    {
        using var dir = new TempDirectory();
        var (labels, ids, classes, scores) = Prediction();
        var files = new CityscapesResultsWriter(dir.Path).Write(ImageName, labels, 20, 12, ids, classes, scores);

        var lines = ParseList(files.InstanceList);
        Assert.AreEqual(2, lines.Count);
        Assert.AreEqual((26, 0.875), (lines[0].LabelId, lines[0].Confidence));
        Assert.AreEqual((24, 0.5), (lines[1].LabelId, lines[1].Confidence));
        for (int k = 0; k < 2; k++)
        {
            string mask = Path.Combine(Path.GetDirectoryName(files.InstanceList)!, lines[k].Mask);
            Assert.IsTrue(File.Exists(mask), $"mask '{lines[k].Mask}' is relative to the .txt");
            var m = LabelPng.ReadGray8(mask).Data;
            for (int i = 0; i < m.Length; i++)
                Assert.AreEqual(ids[i] == k + 1, m[i] != 0, $"instance {k + 1}, pixel {i}");
        }
    }

    [TestMethod]
    public void PixelAndInstanceResultsLiveInSeparateFolders()
    {
        using var dir = new TempDirectory();
        var (labels, ids, classes, scores) = Prediction();
        new CityscapesResultsWriter(dir.Path).Write(ImageName, labels, 20, 12, ids, classes, scores);

        var pixel = Directory.GetFiles(Path.Combine(dir.Path, "pixel"), "*", SearchOption.AllDirectories);
        Assert.AreEqual(1, pixel.Length, "the pixel folder holds only the label-id PNG (the pixel script would read any PNG)");
        var instance = Directory.GetFiles(Path.Combine(dir.Path, "instance"), "*", SearchOption.AllDirectories);
        Assert.AreEqual(3, instance.Length, "one .txt and two masks");
        Assert.IsFalse(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories).Any(), "no temporary files remain");
    }

    [TestMethod]
    public void WrittenInstancesEvaluateAsThePredictionItself()
    {
        // Ground truth equal to the prediction: car 26001, person 24001, road 7 — reading the files back into the
        // evaluator must give AP 1 for both classes.
        using var dir = new TempDirectory();
        var (labels, ids, classes, scores) = Prediction();
        var gt = ids.Select((id, i) => id == 1 ? 26001 : id == 2 ? 24001 : labels[i] == 2 ? 11 : 7).ToArray();
        var files = new CityscapesResultsWriter(dir.Path).Write(ImageName, labels, 20, 12, ids, classes, scores);

        var predictions = ParseList(files.InstanceList).Select(l =>
        {
            var mask = LabelPng.ReadGray8(Path.Combine(Path.GetDirectoryName(files.InstanceList)!, l.Mask)).Data;
            return PredictedInstance.FromLabelId(l.LabelId, l.Confidence, Enumerable.Range(0, mask.Length).Where(i => mask[i] != 0).ToArray());
        }).ToList();
        var evaluator = new InstanceSegmentationEvaluator(new InstanceSegmentationEvaluatorOptions { MinRegionSize = 50 });
        evaluator.Add(gt, 20, 12, predictions);
        var metrics = evaluator.GetMetrics();
        Assert.AreEqual(1.0, metrics.AP, 1e-9);
        Assert.AreEqual(1.0, metrics.AP50, 1e-9);
    }

    [TestMethod]
    public void ANonCityscapesTrainIdIsRejectedNamingTheImage()
    {
        using var dir = new TempDirectory();
        var labels = new byte[] { 0, 19, 0, 0 };
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            new CityscapesResultsWriter(dir.Path).Write(ImageName, labels, 2, 2, default, Array.Empty<int>(), Array.Empty<float>()));
        StringAssert.Contains(e.Message, ImageName);
        StringAssert.Contains(e.Message, "19");
        Assert.IsFalse(Directory.Exists(Path.Combine(dir.Path, "pixel")), "nothing is written for a bad prediction");
    }

    [TestMethod]
    public void ANoClassPixelIsWrittenAsUnlabeled()
    {
        // A network's void output (the ESPNet authors' Cityscapes model has one) predicts "no class": label id 0,
        // which the official script counts as a miss of the pixel's true class.
        using var dir = new TempDirectory();
        var files = new CityscapesResultsWriter(dir.Path).Write(ImageName, new byte[] { 0, 255, 13, 255 }, 2, 2, default, Array.Empty<int>(), Array.Empty<float>());
        CollectionAssert.AreEqual(new byte[] { 7, 0, 26, 0 }, LabelPng.ReadGray8(files.PixelPng).Data);
    }

    [TestMethod]
    public void AnInstanceIdBeyondTheListIsRejected()
    {
        using var dir = new TempDirectory();
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            new CityscapesResultsWriter(dir.Path).Write(ImageName, new byte[4], 2, 2, new[] { 0, 2, 0, 0 }, new[] { 13 }, new[] { 1f }));
        StringAssert.Contains(e.Message, "instance id 2");
        Assert.IsFalse(Directory.Exists(Path.Combine(dir.Path, "pixel")), "nothing is written for a bad prediction");
    }
}
