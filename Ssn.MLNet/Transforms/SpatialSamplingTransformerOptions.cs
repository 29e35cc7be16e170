using Ssn.MLNet.Instances;

namespace Ssn.MLNet.Transforms;

/// <summary>How <c>SpatialSamplingTransformer</c> reads its input and what it outputs.</summary>
public sealed record SpatialSamplingTransformerOptions
{
    /// <summary>Name of the input image column (an ML.NET image column of <c>MLImage</c>; default "Image").</summary>
    public string ImageColumnName { get; init; } = "Image";

    /// <summary>Whether to add the per-class <see cref="SegmentationOutputColumns.Score"/> column (default false: C floats per pixel).</summary>
    public bool OutputScores { get; init; }

    /// <summary>Images predicted together when consecutive rows share a size (default 4).</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>
    /// Network outputs after the named classes that are no class (default 0): the "void" or "undefined" output some
    /// published networks were trained with (the ESPNet authors' CamVid model has 12 outputs for 11 classes, their
    /// Cityscapes model 20 for 19). A pixel whose highest score is one of them is predicted as
    /// <see cref="SegmentationOutputColumns.NoClass"/>, which the evaluation counts as a miss of the pixel's true class.
    /// </summary>
    public int VoidOutputs { get; init; }

    /// <summary>Instance extraction (paper §4 area threshold and centre cells).</summary>
    public InstanceExtractionOptions InstanceExtraction { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ImageColumnName)) throw new ArgumentOutOfRangeException(nameof(ImageColumnName), "The image column name is empty.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{nameof(BatchSize)} must be at least 1.");
        if (VoidOutputs < 0) throw new ArgumentOutOfRangeException(nameof(VoidOutputs), VoidOutputs, $"{nameof(VoidOutputs)} cannot be negative.");
        InstanceExtraction.Validate();
    }
}
