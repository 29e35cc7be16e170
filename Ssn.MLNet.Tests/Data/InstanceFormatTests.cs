using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.RealData;

namespace Ssn.MLNet.Tests.Data;

/// <summary>
/// YOLO segmentation and COCO instance files, written by hand here, read into instances (and the real COCO128-seg where
/// <c>../shared/coco128-seg</c> exists); bad files give errors naming the file and line or the annotation id.
/// </summary>
[TestClass]
public sealed class InstanceFormatTests
{
    private static void Image(string path, int width, int height) => ImageFile.WriteRgbPng(path, new RgbImage(width, height));

    private static string YoloDataset(TempDirectory dir, params (string Stem, string? Labels)[] files)
    {
        File.WriteAllText(dir.File("data.yaml"), "path: .\ntrain: images/train\nval: images/train\nnames:\n  0: person\n  1: car\n");
        foreach (var (stem, labels) in files)
        {
            Image(dir.File($"images/train/{stem}.png"), 10, 10);
            if (labels is not null) { Directory.CreateDirectory(dir.File("labels/train")); File.WriteAllText(dir.File($"labels/train/{stem}.txt"), labels); }
        }
        return dir.File("data.yaml");
    }

    [TestMethod]
    public void YoloPolygonsAreScaledToTheImageAndRasterised()
    {
        using var dir = new TempDirectory();
        string yaml = YoloDataset(dir, ("a", "1 0.1 0.1 0.4 0.1 0.4 0.4 0.1 0.4\n\n0 0 0 0.4 0 0 0.4\n"), ("b", null));
        Directory.CreateDirectory(dir.File("labels/train"));
        File.WriteAllText(dir.File("labels/train/orphan.txt"), "0 0.1 0.1 0.2 0.1 0.2 0.2\n");
        var data = YoloSegmentation.Read(yaml, "train");
        CollectionAssert.AreEqual(new[] { "person", "car" }, data.CategoryNames.ToArray());
        Assert.HasCount(2, data.Images);
        var a = data.Images[0];
        Assert.AreEqual((10, 10, 2), (a.Width, a.Height, a.Instances.Count));
        Assert.AreEqual(1, a.Instances[0].CategoryIndex);
        CollectionAssert.AreEqual(PolygonRaster.Fill([1, 1, 4, 1, 4, 4, 1, 4], 10, 10), a.Instances[0].Pixels, "0.1–0.4 of 10 px: the square (1,1)–(4,4)");
        Assert.AreEqual("a.txt line 3", a.Instances[1].Source);
        Assert.IsEmpty(data.Images[1].Instances, "an image without a label file has no instances");
        Assert.HasCount(1, data.Warnings);
        StringAssert.Contains(data.Warnings[0], "orphan.txt");
        Assert.AreEqual(data.Images.Count, YoloSegmentation.Read(dir.Path, "val").Images.Count, "a folder with one dataset.yaml reads as the yaml");
    }

    [TestMethod]
    [DataRow("0 0.1 0.1", "at least 3 points")]
    [DataRow("0 0.1 0.1 0.4 0.1 0.4", "x, y pairs")]
    [DataRow("0 0.1 0.1 1.4 0.1 0.4 0.4", "outside [0, 1]")]
    [DataRow("7 0.1 0.1 0.4 0.1 0.4 0.4", "class '7'")]
    [DataRow("0 0.5 0.5 0.2 0.2", "detection box")]
    [DataRow("0 0.1 0.1 0.4 x 0.4 0.4", "'x' is not a number")]
    public void BadYoloLinesNameTheFileAndLine(string line, string reason)
    {
        using var dir = new TempDirectory();
        string yaml = YoloDataset(dir, ("a", $"1 0.1 0.1 0.4 0.1 0.4 0.4\n{line}\n"));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => YoloSegmentation.Read(yaml));
        StringAssert.Contains(e.Message, "a.txt' line 2");
        StringAssert.Contains(e.Message, reason);
    }

    [TestMethod]
    public void CocoPolygonsAndBothRleFormsAreRead()
    {
        using var dir = new TempDirectory();
        Image(dir.File("img/a.png"), 4, 3);
        long[] counts = CocoRle.Encode([5, 6, 9], 4, 3);
        File.WriteAllText(dir.File("instances.json"), $$"""
            { "images": [ { "id": 7, "file_name": "a.png", "width": 4, "height": 3 } ],
              "categories": [ { "id": 3, "name": "car" }, { "id": 1, "name": "person" } ],
              "annotations": [
                { "id": 1, "image_id": 7, "category_id": 3, "iscrowd": 0, "area": 4, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2], [3, 2, 4, 2, 4, 3]] },
                { "id": 2, "image_id": 7, "category_id": 1, "iscrowd": 1, "segmentation": { "counts": [{{string.Join(", ", counts)}}], "size": [3, 4] } },
                { "id": 3, "image_id": 7, "category_id": 1, "iscrowd": 0, "segmentation": { "counts": "{{CocoRle.Compress(counts)}}", "size": [3, 4] } } ] }
            """);
        var data = CocoInstances.Read(dir.File("instances.json"), dir.File("img"));
        CollectionAssert.AreEqual(new[] { "person", "car" }, data.CategoryNames.ToArray(), "categories in id order");
        var instances = data.Images.Single().Instances;
        Assert.AreEqual(1, instances[0].CategoryIndex);
        CollectionAssert.AreEqual(new[] { 0, 1, 4, 5, 11 }, instances[0].Pixels, "two polygons united: the 2×2 square and pixel (3, 2)");
        Assert.AreEqual(4, instances[0].Area, "the annotation's own area");
        Assert.IsTrue(instances[1].IsCrowd);
        CollectionAssert.AreEqual(new[] { 5, 6, 9 }, instances[1].Pixels);
        CollectionAssert.AreEqual(instances[1].Pixels, instances[2].Pixels, "the compressed string decodes to the same mask");
    }

    [TestMethod]
    [DataRow("""{ "images": [] }""", "no 'categories' array")]
    [DataRow("""[1, 2]""", "not a COCO instance file")]
    [DataRow("""{ "images": [IMG], "categories": [CAT], "annotations": [ { "id": 5, "image_id": 9, "category_id": 3, "segmentation": [[0,0,1,0,1,1]] } ] }""", "annotation 5: image_id 9")]
    [DataRow("""{ "images": [IMG], "categories": [CAT], "annotations": [ { "id": 5, "image_id": 7, "category_id": 4, "segmentation": [[0,0,1,0,1,1]] } ] }""", "annotation 5: category_id 4")]
    [DataRow("""{ "images": [IMG], "categories": [CAT], "annotations": [ { "id": 5, "image_id": 7, "category_id": 3, "segmentation": [[0,0,1,0]] } ] }""", "at least 3")]
    [DataRow("""{ "images": [IMG], "categories": [CAT], "annotations": [ { "id": 5, "image_id": 7, "category_id": 3, "segmentation": [[0,0,9,0,1,1]] } ] }""", "x = 9, outside the 4×3 image")]
    [DataRow("""{ "images": [IMG], "categories": [CAT], "annotations": [ { "id": 5, "image_id": 7, "category_id": 3, "segmentation": { "counts": [1, 2], "size": [3, 4] } } ] }""", "add up to 3 pixels")]
    [DataRow("""{ "images": [IMG], "categories": [CAT], "annotations": [ { "id": 5, "image_id": 7, "category_id": 3, "segmentation": { "counts": "0 0", "size": [3, 4] } } ] }""", "not an RLE character")]
    [DataRow("""{ "images": [ { "id": 7, "file_name": "gone.png", "width": 4, "height": 3 } ], "categories": [CAT], "annotations": [] }""", "gone.png")]
    public void BadCocoFilesNameTheAnnotationOrFile(string json, string reason)
    {
        using var dir = new TempDirectory();
        Image(dir.File("img/a.png"), 4, 3);
        File.WriteAllText(dir.File("bad.json"), json.Replace("IMG", """{ "id": 7, "file_name": "a.png", "width": 4, "height": 3 }""").Replace("CAT", """{ "id": 3, "name": "car" }"""));
        var e = Assert.Throws<Exception>(() => CocoInstances.Read(dir.File("bad.json"), dir.File("img")));
        Assert.IsTrue(e is InvalidDataException or FileNotFoundException, e.GetType().Name);
        StringAssert.Contains(e.Message, reason);
    }

    [TestMethod]
    public void TheRealCoco128SegReadsWithItsOrphansNamed()
    {
        string root = SharedData.Coco128OrSkip();
        var data = YoloSegmentation.Read(Path.Combine(root, "coco128-seg.yaml"), "train");
        Assert.HasCount(80, data.CategoryNames);
        Assert.AreEqual("person", data.CategoryNames[0]);
        Assert.HasCount(128, data.Images);
        Assert.AreEqual(2, data.Images.Count(i => !File.Exists(YoloSegmentation.LabelPath(i.ImagePath))), "000000000250 and 000000000508 have no label file");
        Assert.HasCount(2, data.Warnings);
        StringAssert.Contains(data.Warnings[0], "000000000656.txt");
        StringAssert.Contains(data.Warnings[1], "000000000659.txt");
        int instances = data.Images.Sum(i => i.Instances.Count);
        Assert.AreEqual(941 - 12, instances, "941 polygons, 12 of them in the two label files without an image");
        Assert.IsTrue(data.Images.SelectMany(i => i.Instances).All(x => x.Pixels.Length > 0 || x.Area == 0));
        Console.WriteLine($"{data.Images.Select(i => (i.Width, i.Height)).Distinct().Count()} image sizes; {instances} instances; empty masks: {data.Images.SelectMany(i => i.Instances).Count(x => x.Pixels.Length == 0)}");
    }
}

/// <summary>COCO results files: what pycocotools' <c>loadRes</c> reads, masks as compressed RLE.</summary>
[TestClass]
public sealed class CocoResultsTests
{
    [TestMethod]
    public void ResultsCarryIdsScoresAndMasksThatDecodeBack()
    {
        using var dir = new TempDirectory();
        int[] mask = [5, 6, 9, 10, 11];
        CocoResults.Write(dir.File("results.json"), [new(42, 3, 0.87654321f, mask, 4, 3), new(42, 1, 0.5f, [], 4, 3)]);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("results.json")));
        var first = json.RootElement[0];
        Assert.AreEqual((42, 3, 0.87654), (first.GetProperty("image_id").GetInt64(), first.GetProperty("category_id").GetInt32(), first.GetProperty("score").GetDouble()));
        var rle = first.GetProperty("segmentation");
        CollectionAssert.AreEqual(new[] { 3, 4 }, rle.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray(), "[height, width]");
        CollectionAssert.AreEqual(mask, CocoRle.Decode(CocoRle.Uncompress(rle.GetProperty("counts").GetString()!), 4, 3));
        Assert.AreEqual(2, json.RootElement.GetArrayLength());
    }
}
