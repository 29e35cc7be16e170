using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Trainers;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// The settings of the default run (<c>dotnet run -c Release --project Ssn.MLNet.Samples</c>), chosen so that dataset
/// generation, training and evaluation finish within 15 minutes on the project's 2-core CPU. Every value can be
/// overridden on the command line (<c>--help</c>). The measured outcome is in the README.
/// </summary>
public static class MainJobDefaults
{
    /// <summary>Output folder.</summary>
    public const string OutputDirectory = "ssn-output";

    /// <summary>Cache folder of the synthetic dataset (reused when complete with the same options).</summary>
    public const string DataDirectory = "ssn-data/synthetic";

    /// <summary>Overlay PNGs written (the first val images).</summary>
    public const int Overlays = 8;

    /// <summary>Whether the cross-entropy is weighted by class frequency (ENet weights 1 / ln(1.02 + p), from the train labels).</summary>
    public const bool ClassBalance = true;

    /// <summary>The synthetic dataset.</summary>
    public static SyntheticCityscapesOptions Dataset() => new()
    {
        Width = 256, Height = 128, TrainCount = 200, ValCount = 50, Seed = 0,
    };

    /// <summary>
    /// The trainer for synthetic images of <paramref name="width"/> × <paramref name="height"/>: a smaller network than
    /// the paper's, a short schedule with a higher learning rate, crops of three quarters of the image's width and height.
    /// </summary>
    public static SpatialSamplingTrainerOptions Trainer(int width = 256, int height = 128) => new()
    {
        // No dropout: with a few thousand steps the network underfits rather than overfits.
        Network = NetworkPresets.Get(NetworkPreset.Small) with { MiddleDropout = 0, DeepDropout = 0 },
        // 100 epochs of 192×96 crops (of 256×128 images), validated every 2 epochs: about 12 minutes for the whole job on the AVX2-only 2-core
        // VM of 2026-11-26 (mIoU 0.447, AP50 0.165), where whole 256×128 images took 17.6 min (mIoU 0.465, AP50 0.205)
        // and 80 epochs of them, which fit, fell to mIoU 0.38–0.42 and AP50 0.11–0.18 (README "The main job").
        Epochs = 100,
        ValidateEveryEpochs = 2,
        BatchSize = 8,
        LearningRate = 3e-3,
        Seed = 1,
        Augmentation = new AugmentationOptions { MinScale = 0.75f, MaxScale = 1.5f, CropWidth = width * 3 / 4, CropHeight = height * 3 / 4 },
    };
}
