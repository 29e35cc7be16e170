using System.Text.Json;
using Ssn.MLNet.Data;
using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

[TestClass]
public sealed class SegmentationEvaluatorTests
{
    private const int W = 8, H = 4;

    /// <summary>The one pass gives exactly what the three accumulators give when each is fed on its own.</summary>
    [TestMethod]
    public void OnePassEqualsTheSeparateAccumulators()
    {
        var names = CityscapesLabels.TrainClassNames;
        var images = Enumerable.Range(0, 3).Select(Image).ToArray();
        var evaluator = new SegmentationEvaluator(names, new SegmentationEvaluatorOptions
        {
            Boundary = true, AveragePrecision = true, InstanceColumnName = SegmentationColumns.InstanceIds,
        });
        var semantic = new SegmentationMetricsAccumulator(names.Count, names);
        var boundary = new BoundaryMetricsAccumulator(names.Count, names);
        var ap = new InstanceSegmentationEvaluator();
        foreach (var image in images)
        {
            evaluator.Add(image);
            semantic.Add(image.Truth, image.Predicted, image.TruthInstanceIds!);
            boundary.Add(image.Truth, image.Predicted, W);
            ap.Add(image.TruthInstanceIds!, W, H, PredictedInstance.FromInstanceMap(image.PredictedInstanceIds!, image.InstanceClasses!, image.InstanceScores!));
        }
        var result = evaluator.GetResult();
        Assert.AreEqual(3, result.ImageCount);
        CollectionAssert.AreEqual(semantic.GetMetrics().ConfusionMatrix.ToArray(), result.Semantic!.ConfusionMatrix.ToArray());
        Assert.AreEqual(semantic.GetMetrics().MeanIoU, result.Semantic.MeanIoU);
        Assert.AreEqual(semantic.GetMetrics().MeanInstanceIoU, result.Semantic.MeanInstanceIoU);
        Assert.IsFalse(double.IsNaN(result.Semantic.MeanInstanceIoU), "iIoU is measured when instance maps are read");
        Assert.AreEqual(boundary.GetMetrics().MeanIoU, result.Boundary!.MeanIoU);
        Assert.AreEqual(ap.GetMetrics().AP, result.Instances!.AP);
        Assert.AreEqual(ap.GetMetrics().AP50, result.Instances.AP50);
    }

    [TestMethod]
    public void WhatWasNotAskedForIsNull()
    {
        var evaluator = new SegmentationEvaluator(CityscapesLabels.TrainClassNames);
        evaluator.Add(Image(0));
        var result = evaluator.GetResult();
        Assert.IsNotNull(result.Semantic);
        Assert.IsNull(result.Boundary);
        Assert.IsNull(result.Instances);
        Assert.IsTrue(double.IsNaN(result.Semantic.MeanInstanceIoU), "no instance map read, no iIoU");
    }

    [TestMethod]
    public void AveragePrecisionWithoutInstanceMapsIsAClearError()
    {
        var evaluator = new SegmentationEvaluator(CityscapesLabels.TrainClassNames, new SegmentationEvaluatorOptions
        {
            AveragePrecision = true, InstanceColumnName = SegmentationColumns.InstanceIds,
        });
        var e = Assert.ThrowsExactly<ArgumentException>(() => evaluator.Add(Image(0) with { PredictedInstanceIds = null }));
        StringAssert.Contains(e.Message, "predicted instance map");
    }

    /// <summary>The confusion matrix is an object with names, counts, precision/recall and a formatted table, and it
    /// serialises to JSON (a <c>long[,]</c> would not).</summary>
    [TestMethod]
    public void TheConfusionMatrixFormatsAndSerialises()
    {
        var acc = new SegmentationMetricsAccumulator(2, ["road", "car"]);
        acc.Add(new byte[] { 0, 0, 0, 1, 1, 255 }, new byte[] { 0, 0, 1, 1, 0, 1 });
        var cm = acc.GetMetrics().ConfusionMatrix;
        Assert.AreEqual(2L, cm[0, 0]);
        Assert.AreEqual(1L, cm[0, 1]);
        Assert.AreEqual(1L, cm[1, 0]);
        Assert.AreEqual(1L, cm[1, 1]);
        Assert.AreEqual(2.0 / 3, cm.PerClassRecall[0], 1e-12);
        Assert.AreEqual(2.0 / 3, cm.PerClassPrecision[0], 1e-12);
        Assert.AreEqual(0.5, cm.PerClassPrecision[1], 1e-12);
        string table = cm.GetFormattedConfusionTable();
        StringAssert.Contains(table, "road");
        StringAssert.Contains(table, "Precision");
        StringAssert.Contains(table, "0.6667");
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(cm));
        Assert.AreEqual(1L, json.RootElement.GetProperty("Counts")[1][0].GetInt64());
        CollectionAssert.AreEqual(new[] { "road", "car" }, json.RootElement.GetProperty("ClassNames").EnumerateArray().Select(e => e.GetString()).ToArray());
    }

    /// <summary>A W×H street: road everywhere, one car (label id 26, instance 26000 + i) in columns 1–3 of rows 1–2,
    /// a person (24) in column 6; the prediction finds the car one column short and misses the person.</summary>
    private static EvaluatedImage Image(int i)
    {
        const byte road = 0, car = 13, person = 11;
        var truth = new byte[W * H];
        var truthIds = Enumerable.Repeat(7, W * H).ToArray(); // label id 7 = road
        var predicted = new byte[W * H];
        var predictedIds = new int[W * H];
        for (int y = 1; y <= 2; y++)
        {
            for (int x = 1; x <= 3; x++)
            {
                truth[y * W + x] = car;
                truthIds[y * W + x] = 26000 + i;
                if (x <= 2 || i == 1) { predicted[y * W + x] = car; predictedIds[y * W + x] = 1; }
            }
            truth[y * W + 6] = person;
            truthIds[y * W + 6] = 24000;
            predicted[y * W + 6] = road;
        }
        return new EvaluatedImage(W, H, truth, predicted, truthIds, predictedIds, [car], [0.9f]);
    }
}
