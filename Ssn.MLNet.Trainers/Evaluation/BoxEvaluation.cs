using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TorchSharp;
using Microsoft.ML.TorchSharp.AutoFormerV2;
using Ssn.MLNet.Data;
using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Trainers.Evaluation;

/// <summary>
/// Box-level view of predicted instances, scored by ML.NET's own object-detection evaluation
/// (<c>EvaluateObjectDetection</c> of Microsoft.ML.TorchSharp), so the numbers are comparable with ML.NET's
/// object-detection trainer. Ground-truth boxes are the boxes of the annotated instances (ids ≥ 1000) of evaluated
/// classes; predicted boxes come from the instance list. Note that ML.NET's protocol is not Cityscapes' (it counts
/// IoU ≥ threshold, matches greedily, integrates precision differently and drops scores under 0.05), so use
/// <see cref="InstanceSegmentationEvaluator"/> for mask AP as the paper reports it.
/// </summary>
public static class BoxEvaluation
{
    /// <summary>Box mAP (0.5 and 0.5:0.95) of scored data.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="data">Scored data with the ground-truth instance map and the instance list columns.</param>
    /// <param name="classNames">Names by train id (default: the 19 Cityscapes classes).</param>
    /// <param name="instanceColumnName">Ground-truth instance map (Cityscapes encoding).</param>
    /// <param name="instanceClassesColumnName">Predicted instance classes (train ids).</param>
    /// <param name="instanceBoxesColumnName">Predicted boxes as (x, y, width, height) per instance.</param>
    /// <param name="instanceScoresColumnName">Predicted instance scores.</param>
    public static ObjectDetectionMetrics Evaluate(MLContext mlContext, IDataView data, IReadOnlyList<string>? classNames = null,
        string instanceColumnName = "InstanceIds", string instanceClassesColumnName = "InstanceClasses",
        string instanceBoxesColumnName = "InstanceBoxes", string instanceScoresColumnName = "InstanceScores")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(data);
        classNames ??= CityscapesLabels.TrainClassNames;
        var evaluated = InstanceSegmentationEvaluator.ClassTrainIds.ToHashSet();
        var width = data.Schema.GetColumnOrNull(SegmentationColumns.Width)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"Box evaluation needs the '{SegmentationColumns.Width}' column to turn instance maps into boxes.");
        var columns = new[] { data.Schema[instanceColumnName], data.Schema[instanceClassesColumnName], data.Schema[instanceBoxesColumnName], data.Schema[instanceScoresColumnName], width };
        var rows = new List<BoxRow>();
        using (var cursor = data.GetRowCursor(columns))
        {
            var getTruth = cursor.GetGetter<VBuffer<int>>(columns[0]);
            var getClasses = cursor.GetGetter<VBuffer<int>>(columns[1]);
            var getBoxes = cursor.GetGetter<VBuffer<float>>(columns[2]);
            var getScores = cursor.GetGetter<VBuffer<float>>(columns[3]);
            var getWidth = cursor.GetGetter<int>(columns[4]);
            VBuffer<int> truth = default, classes = default;
            VBuffer<float> boxes = default, scores = default;
            int w = 0;
            while (cursor.MoveNext())
            {
                getTruth(ref truth);
                getClasses(ref classes);
                getBoxes(ref boxes);
                getScores(ref scores);
                getWidth(ref w);
                var gt = InstanceBox.FromInstanceMap(truth.DenseValues().ToArray(), w).Where(b => evaluated.Contains(b.TrainId)).ToList();
                var cls = classes.DenseValues().ToArray();
                var box = boxes.DenseValues().ToArray();
                if (box.Length != 4 * cls.Length)
                    throw new InvalidDataException($"Row {cursor.Position}: {cls.Length} instances but {box.Length} box values (4 per instance expected).");
                rows.Add(new BoxRow
                {
                    Labels = gt.Select(b => classNames[b.TrainId]).ToArray(),
                    Boxes = gt.SelectMany(b => b.Box.ToLeftTopRightBottom()).ToArray(),
                    PredictedLabels = cls.Select(c => classNames[c]).ToArray(),
                    PredictedBoxes = Enumerable.Range(0, cls.Length)
                        .SelectMany(k => new[] { box[4 * k], box[4 * k + 1], box[4 * k] + box[4 * k + 2] - 1, box[4 * k + 1] + box[4 * k + 3] - 1 }).ToArray(),
                    Scores = scores.DenseValues().ToArray(),
                });
            }
        }
        var view = mlContext.Data.LoadFromEnumerable(rows);
        return mlContext.MulticlassClassification.EvaluateObjectDetection(view, view.Schema[nameof(BoxRow.Labels)], view.Schema[nameof(BoxRow.Boxes)],
            view.Schema[nameof(BoxRow.PredictedLabels)], view.Schema[nameof(BoxRow.PredictedBoxes)], view.Schema[nameof(BoxRow.Scores)]);
    }

    private sealed class BoxRow
    {
        public string[] Labels { get; set; } = Array.Empty<string>();
        public float[] Boxes { get; set; } = Array.Empty<float>();
        public string[] PredictedLabels { get; set; } = Array.Empty<string>();
        public float[] PredictedBoxes { get; set; } = Array.Empty<float>();
        public float[] Scores { get; set; } = Array.Empty<float>();
    }
}
