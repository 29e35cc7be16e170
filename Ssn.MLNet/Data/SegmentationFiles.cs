namespace Ssn.MLNet.Data;

/// <summary>The files of one dataset row: the image, its label map and (when the dataset has them) its instance map.</summary>
/// <param name="Image">Camera image file.</param>
/// <param name="Label">Label map file (its encoding depends on the dataset).</param>
/// <param name="Instances">Instance map file, or <c>null</c>.</param>
public sealed record SegmentationFiles(string Image, string Label, string? Instances = null);
