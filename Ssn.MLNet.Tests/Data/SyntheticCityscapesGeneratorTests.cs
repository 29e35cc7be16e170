using System.Text.RegularExpressions;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;

namespace Ssn.MLNet.Tests.Data;

[TestClass]
public sealed class SyntheticCityscapesGeneratorTests
{
    private static SyntheticCityscapesOptions Small(int seed = 7, int parallel = 2) => new()
    {
        Width = 160, Height = 80, TrainCount = 4, ValCount = 2, Seed = seed, MaxDegreeOfParallelism = parallel,
    };

    private static string[] RelativeFiles(string root) => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).OrderBy(f => f, StringComparer.Ordinal).ToArray();

    [TestMethod]
    public void SameSeedGivesByteIdenticalFilesDifferentSeedDoesNot()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var c = new TempDirectory();
        new SyntheticCityscapesGenerator(Small(parallel: 1)).Generate(a.Path);
        new SyntheticCityscapesGenerator(Small(parallel: 2)).Generate(b.Path);
        new SyntheticCityscapesGenerator(Small(seed: 8)).Generate(c.Path);
        string[] files = RelativeFiles(a.Path);
        CollectionAssert.AreEqual(files, RelativeFiles(b.Path));
        CollectionAssert.AreEqual(files, RelativeFiles(c.Path));
        int differing = 0;
        foreach (string f in files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            byte[] fa = File.ReadAllBytes(Path.Combine(a.Path, f));
            CollectionAssert.AreEqual(fa, File.ReadAllBytes(Path.Combine(b.Path, f)), f);
            if (!fa.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(c.Path, f)))) differing++;
        }
        Assert.AreEqual(6 * 4, files.Count(f => f.EndsWith(".png", StringComparison.Ordinal)));
        Assert.AreEqual(24, differing, "every file of another seed should differ");
    }

    [TestMethod]
    public void LayoutAndFileNamesAreExactlyCityscapes()
    {
        using var dir = new TempDirectory();
        new SyntheticCityscapesGenerator(Small()).Generate(dir.Path);
        var expected = new List<string> { SyntheticCityscapesGenerator.ManifestFileName };
        string[] trainCities = ["synthbonn", "synthkoeln", "synthulm"];
        for (int i = 0; i < 4; i++) AddAll(expected, "train", trainCities[i % 3], i / 3);
        for (int i = 0; i < 2; i++) AddAll(expected, "val", "synthjena", i);
        CollectionAssert.AreEqual(expected.OrderBy(f => f, StringComparer.Ordinal).ToArray(), RelativeFiles(dir.Path));

        var pattern = new Regex(@"^(leftImg8bit|gtFine)/(train|val)/([a-z]+)/\3_\d{6}_\d{6}_(leftImg8bit|gtFine_labelIds|gtFine_instanceIds|gtFine_color)\.png$");
        foreach (string f in RelativeFiles(dir.Path).Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.IsTrue(pattern.IsMatch(f), f);
        // label ids are 8-bit, instance ids 16-bit, as in the real dataset
        string labelIds = Path.Combine(dir.Path, "gtFine/train/synthbonn/synthbonn_000000_000019_gtFine_labelIds.png");
        string instIds = Path.Combine(dir.Path, "gtFine/train/synthbonn/synthbonn_000000_000019_gtFine_instanceIds.png");
        Assert.AreEqual(8, File.ReadAllBytes(labelIds)[24]);  // IHDR bit depth
        Assert.AreEqual(16, File.ReadAllBytes(instIds)[24]);
        Assert.AreEqual(0, File.ReadAllBytes(instIds)[25]);   // grayscale
    }

    private static void AddAll(List<string> list, string split, string city, int seq)
    {
        string stem = $"{city}_{seq:000000}_000019";
        list.Add($"leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png");
        foreach (string s in new[] { "labelIds", "instanceIds", "color" }) list.Add($"gtFine/{split}/{city}/{stem}_gtFine_{s}.png");
    }

    [TestMethod]
    public void InstanceIdsDecodeToThingClassesAndMatchLabelIds()
    {
        using var dir = new TempDirectory();
        var options = Small();
        options.TrainCount = 6;
        new SyntheticCityscapesGenerator(options).Generate(dir.Path);
        int instancePixels = 0, ignoredPixels = 0;
        var thingIds = CityscapesLabels.All.Where(l => l.HasInstances && l.Id >= 0).Select(l => l.Id).ToHashSet();
        foreach (string labelPath in Directory.GetFiles(dir.Path, "*_gtFine_labelIds.png", SearchOption.AllDirectories))
        {
            Raster<byte> labels = LabelPng.ReadGray8(labelPath);
            Raster<int> inst = LabelPng.ReadGray16(labelPath.Replace("_labelIds", "_instanceIds"));
            RgbImage color = ImageFile.ReadRgb(labelPath.Replace("_labelIds", "_color"));
            for (int i = 0; i < labels.Data.Length; i++)
            {
                int label = labels.Data[i], id = inst.Data[i];
                CityscapesLabel? entry = CityscapesLabels.FromId(label);
                Assert.IsNotNull(entry, $"label id {label} is not in the Cityscapes table ({labelPath})");
                byte train = CityscapesLabels.LabelIdToTrainId[label];
                Assert.IsTrue(train < CityscapesLabels.NumTrainClasses || train == CityscapesLabels.IgnoreTrainId);
                Assert.AreEqual(entry.TrainId == 255, train == 255);
                if (train == 255) ignoredPixels++;
                Assert.AreEqual(entry.Color, (color.Pixels[3 * i], color.Pixels[3 * i + 1], color.Pixels[3 * i + 2]));
                if (id >= CityscapesLabels.InstanceIdDivisor)
                {
                    instancePixels++;
                    Assert.AreEqual(label, id / CityscapesLabels.InstanceIdDivisor);
                    Assert.IsTrue(id / 1000 is >= 24 and <= 33, $"instance id {id}");
                    // k counts the scene's objects of that class from 0 (StreetObjects.NewInstance): a scene holds far
                    // fewer than 100, so a larger k means ids leak between scenes or classes.
                    Assert.IsLessThan(100, id % 1000, $"instance index of {id}");
                }
                else
                {
                    Assert.AreEqual(label, id);
                    Assert.IsFalse(thingIds.Contains(label), $"thing pixel without instance in {labelPath}");
                }
            }
        }
        Assert.IsTrue(instancePixels > 0);
        Assert.IsTrue(ignoredPixels > 0, "ignored classes (ego vehicle, static) should appear");
    }

    [TestMethod]
    public void ThinStructuresPersonsAndOcclusionsAppear()
    {
        var gen = new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 256, Height = 128, TrainCount = 24, ValCount = 0, Seed = 3 });
        int withPole = 0, withSign = 0, withPerson = 0, withRider = 0, withBicycle = 0, thinPoleRuns = 0, touchingInstances = 0;
        var instanceKs = new HashSet<int>();
        for (int n = 0; n < 24; n++)
        {
            SyntheticScene s = gen.Render("train", n);
            byte[] l = s.LabelIds.Data;
            int[] inst = s.InstanceIds.Data;
            int w = s.LabelIds.Width;
            if (l.Contains((byte)17)) withPole++;
            if (l.Contains((byte)20)) withSign++;
            if (l.Contains((byte)24)) withPerson++;
            if (l.Contains((byte)25)) withRider++;
            if (l.Contains((byte)33)) withBicycle++;
            for (int i = 0; i < l.Length; i++)
            {
                int x = i % w;
                // a pole run at most 2 px wide: pole pixel whose left and right neighbours 2 px away are not pole
                if (l[i] == 17 && x >= 2 && x < w - 2 && l[i - 2] != 17 && l[i + 2] != 17) thinPoleRuns++;
                if (x + 1 < w && inst[i] >= 1000 && inst[i + 1] >= 1000 && inst[i] != inst[i + 1]) touchingInstances++;
                if (inst[i] >= 1000) instanceKs.Add(inst[i]);
            }
        }
        Assert.IsTrue(withPole >= 12, $"poles in {withPole}/24");
        Assert.IsTrue(withSign >= 6, $"signs in {withSign}/24");
        Assert.IsTrue(withPerson >= 12, $"persons in {withPerson}/24");
        Assert.IsTrue(withRider >= 4, $"riders in {withRider}/24");
        Assert.IsTrue(withBicycle >= 4, $"bicycles in {withBicycle}/24");
        Assert.IsTrue(thinPoleRuns > 100, $"thin pole pixels {thinPoleRuns}");
        Assert.IsTrue(touchingInstances > 50, $"instance-instance boundaries {touchingInstances}");
        Assert.IsTrue(instanceKs.Contains(26002) && instanceKs.Contains(24001), "several instances per class get their own k");
    }

    [TestMethod]
    public void EnsureGeneratedReusesCompleteDatasetAndRegeneratesOtherwise()
    {
        using var dir = new TempDirectory();
        var gen = new SyntheticCityscapesGenerator(Small());
        Assert.IsTrue(gen.EnsureGenerated(dir.Path));
        string probe = Path.Combine(dir.Path, "leftImg8bit/val/synthjena/synthjena_000001_000019_leftImg8bit.png");
        var stamp = File.GetLastWriteTimeUtc(probe);
        File.SetLastWriteTimeUtc(probe, stamp.AddDays(-1));
        Assert.IsFalse(new SyntheticCityscapesGenerator(Small()).EnsureGenerated(dir.Path));
        Assert.AreEqual(stamp.AddDays(-1), File.GetLastWriteTimeUtc(probe), "reused dataset must not be rewritten");

        var fewer = Small();
        fewer.TrainCount = 1;
        Assert.IsTrue(new SyntheticCityscapesGenerator(fewer).EnsureGenerated(dir.Path));
        Assert.AreEqual(1, Directory.GetFiles(Path.Combine(dir.Path, "leftImg8bit", "train"), "*.png", SearchOption.AllDirectories).Length,
            "stale images of the earlier, larger dataset are removed");

        File.Delete(probe);
        Assert.IsTrue(new SyntheticCityscapesGenerator(fewer).EnsureGenerated(dir.Path));
        Assert.IsTrue(File.Exists(probe));
    }

    [TestMethod]
    public void RefusesToOverwriteFoldersItDidNotWrite()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "gtFine", "train"));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new SyntheticCityscapesGenerator(Small()).Generate(dir.Path));
        StringAssert.Contains(e.Message, dir.Path);
        Assert.IsTrue(Directory.Exists(Path.Combine(dir.Path, "gtFine", "train")));
    }

    [TestMethod]
    public void InvalidOptionsNameTheOption()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 4 }));
        Assert.AreEqual("Width", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { ValCount = -1 }));
        Assert.AreEqual("ValCount", e.ParamName);
    }
}
