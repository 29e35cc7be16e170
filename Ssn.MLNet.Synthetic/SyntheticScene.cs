using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data.Synthetic;

/// <summary>One rendered synthetic street scene with its Cityscapes-style ground truth.</summary>
/// <param name="Image">The camera image (8-bit RGB).</param>
/// <param name="LabelIds">Cityscapes label ids per pixel (as in <c>*_gtFine_labelIds.png</c>).</param>
/// <param name="InstanceIds">Cityscapes instance ids per pixel (as in <c>*_gtFine_instanceIds.png</c>):
/// <c>labelId * 1000 + k</c> on instances of the "thing" classes, the plain label id elsewhere.</param>
public sealed record SyntheticScene(RgbImage Image, Raster<byte> LabelIds, Raster<int> InstanceIds);
