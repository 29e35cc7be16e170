using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Trainers;

namespace Ssn.MLNet.Samples.Snippets;

/// <summary>
/// The ML.NET pipeline shown in the README. The text between the snippet markers is copied verbatim into README.md; a test
/// compiles and runs this method and checks that the README still shows exactly this code.
/// </summary>
public static class ReadmePipeline
{
    /// <summary>Runs the snippet on <paramref name="root"/> with the given size, epochs and network (tiny for tests).</summary>
    public static (double MeanIoU, double AP50) Run(string root, string modelPath, SyntheticCityscapesOptions synthetic, SpatialSamplingTrainerOptions options)
    {
        // <readme-snippet>
        var ml = new MLContext(seed: 1);
        var train = ml.Segmentation().Data.LoadSyntheticCityscapes(root, synthetic, "train"); // or LoadCityscapes(root, "train")
        var val = ml.Segmentation().Data.LoadCityscapes(root, "val");

        options.ValidationSet = val;                                  // val mIoU after every epoch
        var model = ml.Segmentation().Trainers.SpatialSampling(options).Fit(train);

        var scored = model.Transform(val);                            // PredictedLabel, PredictedInstanceIds, InstanceScores …
        var metrics = ml.Segmentation().Evaluate(scored);             // mean IoU, accuracies, per-class IoU
        var instances = ml.Segmentation().EvaluateInstances(scored);  // AP, AP50 (Cityscapes protocol)
        Console.WriteLine($"mIoU {metrics.MeanIoU:F3}, AP50 {instances.AP50:F3}");

        ml.Model.Save(model, train.Schema, modelPath);
        var loaded = new MLContext().Model.Load(modelPath, out _);    // plain ML.NET loading
        // </readme-snippet>
        (loaded as IDisposable)?.Dispose();
        model.Dispose();
        return (metrics.MeanIoU, instances.AP50);
    }
}
