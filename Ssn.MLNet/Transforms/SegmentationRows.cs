using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Instances;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// Input row of a segmentation <c>PredictionEngine</c>: one image of any size in the <c>Image</c> column.
/// <code>var engine = ml.Model.CreatePredictionEngine&lt;SegmentationInput, SegmentationPrediction&gt;(model);</code>
/// An engine is not thread-safe (one per thread, or a pool), and disposing it disposes the model too unless it was
/// created with <c>new PredictionEngineOptions { OwnsTransformer = false }</c>.
/// </summary>
public sealed class SegmentationInput
{
    /// <summary>The image (<see cref="MLImage"/>; build one with <c>MLImage.CreateFromFile</c> or <c>RgbImage.ToMLImage</c>).</summary>
    [ImageOfAnySize]
    public MLImage Image { get; set; } = null!;
}

/// <summary>
/// Marks an <see cref="MLImage"/> member as an image column of unknown size, so that each row may have its own (ML.NET's
/// <c>[ImageType(height, width)]</c> fixes one size; its parameterless form is refused when the schema is built).
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ImageOfAnySizeAttribute : DataViewTypeAttribute
{
    /// <inheritdoc />
    public override void Register() => DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage), this);

    /// <inheritdoc />
    public override bool Equals(DataViewTypeAttribute other) => other is ImageOfAnySizeAttribute;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ImageOfAnySizeAttribute;

    /// <inheritdoc />
    public override int GetHashCode() => typeof(ImageOfAnySizeAttribute).GetHashCode();
}

/// <summary>
/// Output row of a segmentation <c>PredictionEngine</c>: the columns of <see cref="SegmentationOutputColumns"/> that
/// every Spatial Sampling transformer (TorchSharp or ONNX Runtime) adds. Not sealed: derive to read further columns
/// of the same row (for example the input's file path) with <c>CreateEnumerable</c>.
/// </summary>
public class SegmentationPrediction
{
    /// <summary>Class index per pixel, row-major H × W.</summary>
    public byte[] PredictedLabel { get; set; } = [];

    /// <summary>Instance id per pixel (0 = none), row-major H × W.</summary>
    public int[] PredictedInstanceIds { get; set; } = [];

    /// <summary>Class of each instance (instance k has id k + 1).</summary>
    public int[] InstanceClasses { get; set; } = [];

    /// <summary>Confidence of each instance.</summary>
    public float[] InstanceScores { get; set; } = [];

    /// <summary>Area in pixels of each instance.</summary>
    public int[] InstanceAreas { get; set; } = [];

    /// <summary>Box of each instance as (x, y, width, height).</summary>
    public float[] InstanceBoxes { get; set; } = [];

    /// <summary>The parallel instance columns as one record per instance, in id order.</summary>
    public IReadOnlyList<SegmentedInstance> GetInstances()
    {
        var instances = new SegmentedInstance[InstanceClasses.Length];
        for (int k = 0; k < instances.Length; k++)
            instances[k] = new SegmentedInstance(k + 1, InstanceClasses[k], InstanceScores[k], InstanceAreas[k],
                (int)InstanceBoxes[4 * k], (int)InstanceBoxes[4 * k + 1], (int)InstanceBoxes[4 * k + 2], (int)InstanceBoxes[4 * k + 3]);
        return instances;
    }
}
