using System.Text.Json;
using static Ssn.MLNet.Tests.Samples.CliHarness;

namespace Ssn.MLNet.Tests.RealData;

/// <summary>
/// Real CamVid through the command line: <c>train --recipe camvid</c> for one epoch on 8 train images, then <c>evaluate</c>
/// on 4 val images (and on a "test" split, to check the metric is labelled with the split evaluated). The subsets are
/// symbolic links in a temporary folder; skipped where <c>../shared/camvid</c> is missing.
/// </summary>
[TestClass]
public sealed class CamVidEndToEndTests
{
    private static readonly string[] CamVidClasses = { "Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist" };

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void TrainOneEpochOnEightImagesAndEvaluateFour()
    {
        string camvid = SharedData.CamVidOrSkip();
        string work = Path.Combine(Path.GetTempPath(), $"ssn-camvid-{Guid.NewGuid():N}");
        try
        {
            string data = Path.Combine(work, "camvid");
            Link(camvid, data, "train", "train", 8);
            Link(camvid, data, "val", "val", 4);
            Link(camvid, data, "val", "test", 4); // stands in for the test split that only independent evaluation has
            string model = Path.Combine(work, "camvid.zip");
            var train = Invoke("train", "--recipe", "camvid", "--data", data, "--format", "camvid", "--epochs", "1", "--threads", "2", "--out", model);
            Assert.AreEqual(0, train.Code, train.Error + train.Output);
            StringAssert.Contains(train.Output, "recipe camvid");
            StringAssert.Contains(train.Output, "Training on 8 images");

            foreach (var split in new[] { "val", "test" })
            {
                string outDir = Path.Combine(work, $"eval-{split}");
                var eval = Invoke("evaluate", "--model", model, "--data", data, "--format", "camvid", "--split", split, "--out", outDir);
                Assert.AreEqual(0, eval.Code, eval.Error + eval.Output);
                StringAssert.Contains(eval.Output, $"mean IoU ({split})");
                using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
                var r = json.RootElement;
                Assert.AreEqual(split, r.GetProperty("split").GetString());
                Assert.AreEqual(4, r.GetProperty("valImages").GetInt32());
                CollectionAssert.AreEqual(CamVidClasses, r.GetProperty("perClassIoU").EnumerateObject().Select(p => p.Name).ToArray());
                Assert.AreEqual(480, r.GetProperty("imageSize").GetProperty("width").GetInt32());
                double accuracy = r.GetProperty("pixelAccuracy").GetDouble();
                Assert.IsTrue(accuracy is > 0 and <= 1, $"pixel accuracy {accuracy}");
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Links the first <paramref name="count"/> images of <paramref name="split"/> and their annotations under <paramref name="as"/>.</summary>
    private static void Link(string camvid, string data, string split, string @as, int count)
    {
        Directory.CreateDirectory(Path.Combine(data, @as));
        Directory.CreateDirectory(Path.Combine(data, @as + "annot"));
        foreach (var image in Directory.GetFiles(Path.Combine(camvid, split), "*.png").Order(StringComparer.Ordinal).Take(count))
        {
            string name = Path.GetFileName(image);
            File.CreateSymbolicLink(Path.Combine(data, @as, name), image);
            File.CreateSymbolicLink(Path.Combine(data, @as + "annot", name), Path.Combine(camvid, split + "annot", name));
        }
    }
}
