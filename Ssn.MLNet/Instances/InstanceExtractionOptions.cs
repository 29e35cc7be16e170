namespace Ssn.MLNet.Instances;

/// <summary>Options of <see cref="InstanceExtractor"/> (paper §4: "the only post-processing step … is a thresholding over the instance area").</summary>
public sealed record InstanceExtractionOptions
{
    /// <summary>Groups smaller than this many pixels are dropped (default 50).</summary>
    public int MinArea { get; init; } = 50;

    /// <summary>Side of the cells, in output pixels, into which predicted centres are quantised (default 8, the encoder stride).</summary>
    public int CellSize { get; init; } = 8;

    /// <summary>
    /// Groups in neighbouring cells whose mean predicted centres are closer than this many pixels are one instance
    /// (default 4 = half a cell), so that a centre lying on a cell border does not split its instance. 0 disables it.
    /// </summary>
    public double MergeDistance { get; init; } = 4;

    /// <summary>Train ids of the "thing" classes whose pixels form instances (default: the eight Cityscapes instance classes).</summary>
    public IReadOnlyList<int> ThingClasses { get; init; } = Data.CityscapesLabels.InstanceTrainIds;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MinArea < 1) throw new ArgumentOutOfRangeException(nameof(MinArea), MinArea, $"{nameof(MinArea)} must be at least 1.");
        if (CellSize < 1) throw new ArgumentOutOfRangeException(nameof(CellSize), CellSize, $"{nameof(CellSize)} must be at least 1.");
        if (!(MergeDistance >= 0)) throw new ArgumentOutOfRangeException(nameof(MergeDistance), MergeDistance, $"{nameof(MergeDistance)} cannot be negative.");
        if (ThingClasses.Any(c => c is < 0 or > 254)) throw new ArgumentOutOfRangeException(nameof(ThingClasses), $"{nameof(ThingClasses)} must be train ids in [0, 254].");
    }
}
