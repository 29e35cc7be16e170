namespace Ssn.MLNet.Transforms;

/// <summary>
/// Names of the columns that <c>SpatialSamplingTransformer</c> adds. Like ML.NET's object detection
/// (PredictedLabel, Score, PredictedBoundingBoxes), the per-instance list is given as parallel vector columns.
/// </summary>
public static class SegmentationOutputColumns
{
    /// <summary>The <see cref="PredictedLabel"/> of a pixel predicted as none of the classes (a network's void output; see <see cref="SpatialSamplingTransformerOptions.VoidOutputs"/>).</summary>
    public const byte NoClass = 255;

    /// <summary>Predicted train id per pixel: <c>VBuffer&lt;byte&gt;</c>, row-major H × W, at the input image's size.</summary>
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>
    /// Predicted instance id per pixel (0 = none): <c>VBuffer&lt;int&gt;</c>, row-major H × W. Named like
    /// <c>PredictedLabel</c> so it does not hide the ground-truth <c>InstanceIds</c> column that instance evaluation reads.
    /// </summary>
    public const string PredictedInstanceIds = "PredictedInstanceIds";

    /// <summary>Class (train id) of each instance, in id order (instance k has id k + 1): <c>VBuffer&lt;int&gt;</c>.</summary>
    public const string InstanceClasses = "InstanceClasses";

    /// <summary>Confidence of each instance: <c>VBuffer&lt;float&gt;</c>.</summary>
    public const string InstanceScores = "InstanceScores";

    /// <summary>Area in pixels of each instance: <c>VBuffer&lt;int&gt;</c>.</summary>
    public const string InstanceAreas = "InstanceAreas";

    /// <summary>Box of each instance as (x, y, width, height), 4 floats per instance: <c>VBuffer&lt;float&gt;</c>.</summary>
    public const string InstanceBoxes = "InstanceBoxes";

    /// <summary>Per-class probabilities, row-major C × H × W: <c>VBuffer&lt;float&gt;</c>. Only when enabled (memory).</summary>
    public const string Score = "Score";
}
