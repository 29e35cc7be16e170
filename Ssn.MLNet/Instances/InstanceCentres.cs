namespace Ssn.MLNet.Instances;

/// <summary>
/// Ground truth for the instance module (paper §4, Eq. 2): each instance pixel's target is the centre of its
/// instance — the mean of the instance's pixel coordinates — in the normalised coordinates of the sampler
/// (<c>Modeling.SamplingGrid</c>). Pixels outside instances are masked out of the loss.
/// </summary>
public static class InstanceCentres
{
    /// <summary>Default instance test for Cityscapes-encoded maps: ids ≥ 1000 are instances (<c>labelId·1000 + k</c>).</summary>
    public static bool IsCityscapesInstance(int id) => id >= Data.CityscapesLabels.InstanceIdDivisor;

    /// <summary>
    /// Computes the targets for one <paramref name="width"/>×<paramref name="height"/> instance map in O(pixels).
    /// </summary>
    /// <param name="instanceIds">Row-major instance map.</param>
    /// <param name="width">Map width.</param>
    /// <param name="height">Map height.</param>
    /// <param name="centreX">Receives the target x (normalised) per pixel; 0 outside instances.</param>
    /// <param name="centreY">Receives the target y (normalised) per pixel; 0 outside instances.</param>
    /// <param name="mask">Receives true for instance pixels.</param>
    /// <param name="isInstance">Which ids are instances (default <see cref="IsCityscapesInstance"/>).</param>
    public static void Compute(ReadOnlySpan<int> instanceIds, int width, int height, Span<float> centreX, Span<float> centreY,
        Span<bool> mask, Func<int, bool>? isInstance = null)
    {
        int n = checked(width * height);
        if (instanceIds.Length != n || centreX.Length != n || centreY.Length != n || mask.Length != n)
            throw new ArgumentException($"All maps must hold width × height = {n} values.");
        isInstance ??= IsCityscapesInstance;
        var sums = new Dictionary<int, (double X, double Y, long N)>();
        for (int i = 0; i < n; i++)
        {
            int id = instanceIds[i];
            mask[i] = isInstance(id);
            if (!mask[i]) continue;
            sums.TryGetValue(id, out var s);
            sums[id] = (s.X + i % width, s.Y + i / width, s.N + 1);
        }
        var centres = sums.ToDictionary(kv => kv.Key, kv => (
            X: (float)Modeling.SamplingCoordinates.ToNormalized(kv.Value.X / kv.Value.N, width),
            Y: (float)Modeling.SamplingCoordinates.ToNormalized(kv.Value.Y / kv.Value.N, height)));
        for (int i = 0; i < n; i++)
        {
            if (mask[i]) (centreX[i], centreY[i]) = centres[instanceIds[i]];
            else centreX[i] = centreY[i] = 0;
        }
    }
}
