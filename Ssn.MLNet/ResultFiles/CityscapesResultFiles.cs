namespace Ssn.MLNet.ResultFiles;

/// <summary>The files written for one image by <see cref="CityscapesResultsWriter"/>.</summary>
/// <param name="PixelPng">The label-id PNG.</param>
/// <param name="InstanceList">The instance <c>.txt</c> list.</param>
/// <param name="InstanceMasks">The instance mask PNGs, in list order.</param>
public sealed record CityscapesResultFiles(string PixelPng, string InstanceList, IReadOnlyList<string> InstanceMasks);
