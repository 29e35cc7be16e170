namespace Ssn.MLNet.Data;

/// <summary>
/// Column names of the segmentation data views (<see cref="SegmentationDataSource"/>) and of the estimators that
/// consume them.
/// </summary>
public static class SegmentationColumns
{
    /// <summary>The camera image: <c>MLImage</c>, type <c>ImageDataViewType</c>.</summary>
    public const string Image = "Image";

    /// <summary>Train-id map, <c>VBuffer&lt;byte&gt;</c> row-major H×W; 255 = ignore.</summary>
    public const string Label = "Label";

    /// <summary>Instance ground truth, <c>VBuffer&lt;int&gt;</c> row-major H×W in the Cityscapes encoding:
    /// <c>labelId * 1000 + k</c> on instances, the plain label id elsewhere.</summary>
    public const string InstanceIds = "InstanceIds";

    /// <summary>Image height in pixels (<see cref="int"/>).</summary>
    public const string Height = "Height";

    /// <summary>Image width in pixels (<see cref="int"/>).</summary>
    public const string Width = "Width";

    /// <summary>Path of the image file (text).</summary>
    public const string ImagePath = "ImagePath";
}
