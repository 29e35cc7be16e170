using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.RealData;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Tests.Data;

/// <summary>
/// COCO and YOLO annotations as a segmentation source: class map (background + kept categories), instance map in the
/// Cityscapes encoding with train ids, overlaps by area, crowd regions, category subsets, the seeded split — on files
/// written by hand here and on the real COCO128-seg where <c>../shared/coco128-seg</c> exists.
/// </summary>
[TestClass]
public sealed class InstanceDataSourceTests
{
    /// <summary>A 10×10 image: a car covering (1,1)–(7,7) and a smaller person (3,3)–(5,5) on it; a second, 12×8 image
    /// with one person. Categories in the YAML: person 0, car 1, bus 2.</summary>
    private static string Dataset(TempDirectory dir)
    {
        File.WriteAllText(dir.File("data.yaml"), "path: .\ntrain: images/train\nval: images/train\nnames:\n  0: person\n  1: car\n  2: bus\n");
        ImageFile.WriteRgbPng(dir.File("images/train/a.png"), new RgbImage(10, 10));
        ImageFile.WriteRgbPng(dir.File("images/train/b.png"), new RgbImage(12, 8));
        Directory.CreateDirectory(dir.File("labels/train"));
        File.WriteAllText(dir.File("labels/train/a.txt"), "0 0.3 0.3 0.6 0.3 0.6 0.6 0.3 0.6\n1 0.1 0.1 0.8 0.1 0.8 0.8 0.1 0.8\n");
        File.WriteAllText(dir.File("labels/train/b.txt"), "0 0 0 0.5 0 0.5 0.5 0 0.5\n");
        return dir.File("data.yaml");
    }

    [TestMethod]
    public void TheMapsHoldBackgroundTheKeptCategoriesAndTheSmallerInstanceOnTop()
    {
        using var dir = new TempDirectory();
        var source = new MLContext(1).Segmentation().Data.LoadYolo(Dataset(dir));
        CollectionAssert.AreEqual(new[] { "background", "person", "car", "bus" }, source.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, source.ThingClasses.ToArray());
        Assert.IsTrue(source.HasInstances);
        var label = source.LoadLabel(0);
        var ids = source.LoadInstanceIds(0);
        int At(int x, int y) => y * 10 + x;
        Assert.AreEqual(0, label.Data[At(0, 0)], "background");
        Assert.AreEqual(2, label.Data[At(1, 1)], "car");
        Assert.AreEqual(1, label.Data[At(4, 4)], "the person lies on the car and keeps its pixels");
        Assert.AreEqual(2000, ids.Data[At(1, 1)], "the larger instance is painted first: car = 2·1000 + 0");
        Assert.AreEqual(1001, ids.Data[At(4, 4)], "person = 1·1000 + 1");
        Assert.AreEqual(0, ids.Data[At(0, 0)]);
        Assert.AreEqual((12, 8), (source.LoadLabel(1).Width, source.LoadLabel(1).Height), "each image keeps its own size");
        Assert.AreEqual(1000, source.LoadInstanceIds(1).Data[0]);
    }

    /// <summary>A library user fits COCO/YOLO data as it comes: images of two sizes train without crop options
    /// (the trainer crops 384×384) and the thing classes come from the data.</summary>
    [TestMethod]
    public void ATrainerFitsDataOfManySizesWithTheDatasThingClasses()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.RawMessage);
        var source = ml.Segmentation().Data.LoadYolo(Dataset(dir));
        using var model = ml.Segmentation().Trainers.SpatialSampling(new SpatialSamplingTrainerOptions
        {
            Network = SsnNetworkOptions.Tiny(source.ClassNames.Count), Epochs = 1, BatchSize = 2, NumberOfThreads = 2,
        }).Fit(source);
        Assert.IsTrue(messages.Any(m => m.Contains("differ in size: training on random 384×384 crops")), string.Join("\n", messages.TakeLast(5)));
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, model.Options.InstanceExtraction.ThingClasses.ToArray(), "person, car, bus");
    }

    [TestMethod]
    public void ACategorySubsetMakesTheOthersBackgroundAndAnUnknownNameIsNamed()
    {
        using var dir = new TempDirectory();
        string yaml = Dataset(dir);
        var cars = new MLContext(1).Segmentation().Data.LoadYolo(yaml, categories: ["car"]);
        CollectionAssert.AreEqual(new[] { "background", "car" }, cars.ClassNames.ToArray());
        var label = cars.LoadLabel(0);
        Assert.AreEqual(1, label.Data[4 * 10 + 4], "without persons the car covers the middle");
        Assert.AreEqual(0, cars.LoadLabel(1).Data.Max(), "image b holds a person only: all background");
        var e = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).Segmentation().Data.LoadYolo(yaml, categories: ["truck"]));
        StringAssert.Contains(e.Message, "'truck'");
        StringAssert.Contains(e.Message, "person, car, bus");
    }

    [TestMethod]
    public void ACrowdRegionIsItsPlainClassAndCocoApIgnoresDetectionsOnIt()
    {
        using var dir = new TempDirectory();
        ImageFile.WriteRgbPng(dir.File("img/a.png"), new RgbImage(8, 4));
        File.WriteAllText(dir.File("instances.json"), """
            { "images": [ { "id": 1, "file_name": "a.png", "width": 8, "height": 4 } ],
              "categories": [ { "id": 1, "name": "person" } ],
              "annotations": [
                { "id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]] },
                { "id": 2, "image_id": 1, "category_id": 1, "iscrowd": 1, "segmentation": [[4, 0, 8, 0, 8, 4, 4, 4]] } ] }
            """);
        var source = new MLContext(1).Segmentation().Data.LoadCoco(dir.File("instances.json"), dir.File("img"));
        var ids = source.LoadInstanceIds(0).Data;
        Assert.AreEqual(1000, ids[0], "the instance");
        Assert.AreEqual(1, ids[5], "the crowd region: the plain class, as a Cityscapes group region");
        Assert.AreEqual(1, source.LoadLabel(0).Data[5], "crowd pixels keep their class in the class map");
        var truth = SegmentationEvaluator.CocoTruth(ids);
        Assert.HasCount(2, truth);
        Assert.IsTrue(truth.Single(t => t.IsCrowd).Pixels.Length == 16);

        // One detection exactly on the instance, one on the crowd: AP 1 (the second is neither true nor false).
        var evaluator = new SegmentationEvaluator(source.ClassNames, new SegmentationEvaluatorOptions
        {
            AveragePrecision = true, InstanceProtocol = InstanceProtocol.Coco, InstanceColumnName = SegmentationColumns.InstanceIds,
        });
        var predictedIds = ids.Select(v => v == 1000 ? 1 : v == 1 ? 2 : 0).ToArray();
        var label = source.LoadLabel(0).Data;
        evaluator.Add(new EvaluatedImage(8, 4, label, label, ids, predictedIds, [1, 1], [0.6f, 0.9f]));
        var coco = evaluator.GetResult().CocoInstances!;
        Assert.AreEqual(1.0, coco.AP, 1e-12);
        Assert.AreEqual(1.0, coco.AP50, 1e-12);
    }

    [TestMethod]
    public void TheSeededSplitIsDisjointCompleteAndTheSameEachTime()
    {
        var images = Enumerable.Range(0, 20).Select(i => new AnnotatedImage($"/x/{i:D2}.png", 4, 4, [])).ToArray();
        var dataset = new InstanceDataset(["a"], images, []);
        var (kept, heldOut) = dataset.SplitByImage(0.25, seed: 3);
        Assert.HasCount(5, heldOut.Images);
        Assert.HasCount(15, kept.Images);
        CollectionAssert.AreEquivalent(images.Select(i => i.ImagePath).ToArray(), kept.Images.Concat(heldOut.Images).Select(i => i.ImagePath).ToArray());
        CollectionAssert.AreEqual(heldOut.Images.Select(i => i.ImagePath).ToArray(), dataset.SplitByImage(0.25, seed: 3).HeldOut.Images.Select(i => i.ImagePath).ToArray());
        CollectionAssert.AreNotEqual(heldOut.Images.Select(i => i.ImagePath).ToArray(), dataset.SplitByImage(0.25, seed: 4).HeldOut.Images.Select(i => i.ImagePath).ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => dataset.SplitByImage(1.0, 1));
    }

    [TestMethod]
    public void TheRealCoco128SegStreetClassesLoad()
    {
        string root = SharedData.Coco128OrSkip();
        var ml = new MLContext(1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) warnings.Add(e.RawMessage); };
        var source = ml.Segmentation().Data.LoadYolo(Path.Combine(root, "coco128-seg.yaml"), "train", ["person", "bicycle", "car", "motorcycle", "bus", "truck"]);
        Assert.AreEqual(128, source.Count);
        Assert.HasCount(2, warnings, "the two label files without an image are named in MLContext.Log");
        StringAssert.Contains(warnings[0], "000000000656.txt");
        int people = 0, imagesWithPeople = 0;
        for (int row = 0; row < source.Count; row++)
        {
            var truth = source.GroundTruth(row);
            int p = truth.Count(t => t.CategoryId == 1);
            people += p;
            if (p > 0) imagesWithPeople++;
        }
        // The folder holds 261 person polygons in 62 label files; 7 of them are in the two label files without an image.
        Assert.AreEqual(261 - 7, people, "people in COCO128-seg images");
        Assert.AreEqual(61, imagesWithPeople);
    }
}
