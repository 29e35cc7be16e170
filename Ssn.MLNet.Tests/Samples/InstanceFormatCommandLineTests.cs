using System.Text.Json;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;
using static Ssn.MLNet.Tests.Samples.CliHarness;

namespace Ssn.MLNet.Tests.Samples;

/// <summary>
/// <c>train</c> and <c>evaluate</c> on labelling-tool formats, as a user runs them: a YOLO dataset whose images have
/// different sizes trains without crop options, and <c>evaluate</c> scores it with COCO's mask AP (numbers, not null).
/// </summary>
[TestClass]
public sealed class InstanceFormatCommandLineTests
{
    private static readonly string[] Tiny = ["--network", "tiny", "--epochs", "1", "--batch-size", "2", "--threads", "2"];

    [TestMethod]
    public void AYoloDatasetOfManySizesTrainsAndEvaluatesWithCocoMaskAp()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data.yaml"), "path: .\ntrain: images/train\nval: images/train\nnames:\n  0: person\n  1: car\n");
        Directory.CreateDirectory(dir.File("labels/train"));
        var random = new Random(5);
        for (int i = 0; i < 6; i++)
        {
            int w = 64 + 16 * i, h = 48 + 8 * (5 - i);
            var pixels = new byte[w * h * 3];
            random.NextBytes(pixels);
            ImageFile.WriteRgbPng(dir.File($"images/train/{i}.png"), new RgbImage(w, h, pixels));
            File.WriteAllText(dir.File($"labels/train/{i}.txt"), $"{i % 2} 0.2 0.2 0.6 0.2 0.6 0.7 0.2 0.7\n");
        }
        string model = dir.File("model.zip");
        var train = Invoke(["train", "--format", "yolo", "--data", dir.File("data.yaml"), "--out", model, .. Tiny]);
        Assert.AreEqual(0, train.Code, train.Error + train.Output);
        StringAssert.Contains(train.Output.Replace("\n", ""), "Training on 6 images (Yolo, 3 classes)");

        var evaluate = Invoke("evaluate", "--model", model, "--format", "yolo", "--data", dir.File("data.yaml"), "--split", "val", "--out", dir.File("eval"), "--coco-results");
        Assert.AreEqual(0, evaluate.Code, evaluate.Error + evaluate.Output);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("eval/metrics.json")));
        var root = json.RootElement;
        Assert.AreEqual("coco", root.GetProperty("instanceProtocol").GetString());
        foreach (string key in new[] { "ap", "ap50", "ap75", "meanIoU" })
            Assert.AreEqual(JsonValueKind.Number, root.GetProperty(key).ValueKind, $"{key} is a number");
        // Size ranges without ground truth are null (NaN), as pycocotools' -1; these instances are small or medium.
        var sizes = new[] { "apSmall", "apMedium", "apLarge" }.Select(k => root.GetProperty(k).ValueKind).ToArray();
        Assert.IsTrue(sizes.Contains(JsonValueKind.Number), string.Join(", ", sizes));
        Assert.AreEqual(JsonValueKind.Null, root.GetProperty("apLarge").ValueKind, "no instance is larger than 96²");
        Assert.AreEqual(6, root.GetProperty("valImages").GetInt32());

        // The COCO results file: one entry per predicted instance, ids of the dataset (YOLO: numeric file names, class ids),
        // masks as compressed RLE that decode to a mask of the image's size.
        using var results = JsonDocument.Parse(File.ReadAllText(dir.File("eval/coco-results.json")));
        foreach (var r in results.RootElement.EnumerateArray())
        {
            long imageId = r.GetProperty("image_id").GetInt64();
            Assert.IsTrue(imageId is >= 0 and < 6, $"image_id {imageId}");
            Assert.IsTrue(r.GetProperty("category_id").GetInt32() is 0 or 1, "YOLO class ids");
            var size = r.GetProperty("segmentation").GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            Assert.AreEqual((48 + 8 * (5 - (int)imageId), 64 + 16 * (int)imageId), (size[0], size[1]), "size is [height, width] of that image");
            var counts = Ssn.MLNet.Data.InstanceFormats.CocoRle.Uncompress(r.GetProperty("segmentation").GetProperty("counts").GetString()!);
            Assert.IsNotEmpty(Ssn.MLNet.Data.InstanceFormats.CocoRle.Decode(counts, size[1], size[0]));
            Assert.IsTrue(r.GetProperty("score").GetDouble() is > 0 and <= 1);
        }
        var predict = Invoke("predict", "--model", model, dir.File("images/train/3.png"), "--out", dir.File("pred"), "--coco-results");
        Assert.AreEqual(0, predict.Code, predict.Error);
        Assert.IsTrue(File.Exists(dir.File("pred/coco-results.json")));

        var unknown = Invoke("evaluate", "--model", model, "--format", "yolo", "--data", dir.File("data.yaml"), "--classes", "truck");
        Assert.AreEqual(1, unknown.Code);
        StringAssert.Contains(unknown.Error, "'truck'");
        var coco = Invoke("evaluate", "--model", model, "--format", "coco", "--images", dir.File("images/train"));
        Assert.AreEqual(1, coco.Code);
        StringAssert.Contains(coco.Error, "--annotations");
    }
}
