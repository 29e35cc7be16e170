using Ssn.MLNet.Data;
using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// The metrics of one model's predictions over a labelled dataset, image by image: the confusion matrix (with the
/// instance-level IoU of the Cityscapes protocol where ground-truth instances exist) and, for Cityscapes classes with
/// instance maps, AP by the official protocol. <see cref="EvaluationJob"/> feeds it a transformer's rows; <c>bench</c>'s
/// per-backend comparison one accumulator per backend.
/// </summary>
internal sealed class EvaluationAccumulator
{
    private readonly SegmentationMetricsAccumulator semantic;
    private readonly InstanceSegmentationEvaluator? instances;

    /// <summary>Starts an empty evaluation of a model predicting <paramref name="classNames"/> on data with (or without) instance maps.</summary>
    public EvaluationAccumulator(IReadOnlyList<string> classNames, bool dataHasInstances)
    {
        IsCityscapes = classNames.SequenceEqual(CityscapesLabels.TrainClassNames);
        semantic = new SegmentationMetricsAccumulator(classNames.Count, classNames);
        instances = IsCityscapes && dataHasInstances ? new InstanceSegmentationEvaluator() : null;
    }

    /// <summary>Whether the classes are Cityscapes' 19 train ids (instance-level IoU and AP are defined for those only).</summary>
    public bool IsCityscapes { get; }

    /// <summary>Whether ground-truth instance ids are used (Cityscapes classes and data with instance maps).</summary>
    public bool UsesInstances => instances is not null;

    /// <summary>Adds one image: its truth (train ids, 255 ignored; instance ids when <see cref="UsesInstances"/>) and the prediction (labels, instance map, each instance's class and score in id order).</summary>
    public void Add(byte[] truth, int[]? truthInstanceIds, int width, int height, byte[] predicted, int[] predictedInstanceIds,
        int[] instanceClasses, float[] instanceScores)
    {
        if (instances is null || truthInstanceIds is null)
        {
            semantic.Add(truth, predicted);
            return;
        }
        semantic.Add(truth, predicted, truthInstanceIds);
        instances.Add(truthInstanceIds, width, height, PredictedInstance.FromInstanceMap(predictedInstanceIds, instanceClasses, instanceScores));
    }

    /// <summary>Pixel metrics so far.</summary>
    public SegmentationMetrics Semantic => semantic.GetMetrics();

    /// <summary>AP metrics so far, or null where AP is not evaluated.</summary>
    public InstanceSegmentationMetrics? Instances => instances?.GetMetrics();
}
