using Ssn.MLNet.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The regular sampling grid and offsets as tensors, shared by iGUM (paper §3.1) and the instance module (§4), in the
/// coordinate convention of <see cref="SamplingCoordinates"/>.
/// </summary>
public static class SamplingGrid
{
    /// <summary>
    /// The fixed regular grid: a <c>[1, height, width, 2]</c> tensor holding (x, y) of every pixel centre in
    /// normalised coordinates. It never requires a gradient (Fig. 4: the gradient does not reach the grid).
    /// </summary>
    public static Tensor Regular(long height, long width, Device device, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        // Built from C# arrays: no temporary Scalars (see KeptScalars).
        var xs = tensor(Enumerable.Range(0, (int)width).Select(j => (float)SamplingCoordinates.ToNormalized(j, width)).ToArray()).to(dtype).to(device);
        var ys = tensor(Enumerable.Range(0, (int)height).Select(i => (float)SamplingCoordinates.ToNormalized(i, height)).ToArray()).to(dtype).to(device);
        var grid = stack(new[] { xs.view(1, width).expand(height, width), ys.view(height, 1).expand(height, width) }, -1);
        return grid.unsqueeze(0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts a guidance offsets table <c>[B, 2, h, w]</c> (channel 0 = x, channel 1 = y), expressed in units of
    /// <paramref name="offsetScale"/> pixels of a <paramref name="lowHeight"/>×<paramref name="lowWidth"/> map,
    /// to displacements in normalised coordinates laid out as a grid <c>[B, H, W, 2]</c>.
    /// </summary>
    public static Tensor OffsetsToDisplacement(Tensor offsets, long lowHeight, long lowWidth, double offsetScale)
    {
        using var scope = NewDisposeScope();
        var unit = tensor(new[] { (float)(2 * offsetScale / lowWidth), (float)(2 * offsetScale / lowHeight) },
            dtype: offsets.dtype, device: offsets.device);
        return (offsets.permute(0, 2, 3, 1) * unit).MoveToOuterDisposeScope();
    }
}
