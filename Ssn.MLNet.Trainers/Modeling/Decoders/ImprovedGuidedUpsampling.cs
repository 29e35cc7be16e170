using Ssn.MLNet.Modeling;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Improved Guided Upsampling Module, iGUM (paper §3.1, Fig. 3). The decoder of the network: a low-resolution
/// guidance offsets table (2 channels, one vector per encoder pixel) is bilinearly upsampled to the target size and
/// added to the regular sampling grid; <c>grid_sample</c> then reads the low-resolution map at the displaced points.
/// Predicting one 2-D vector per low-resolution pixel is enough to move the argmax boundary (the red arrows of
/// Fig. 3), so no decoder is needed.
/// </summary>
/// <remarks>
/// Bilinear sampling during training (differentiable in the offsets); nearest for integer-valued maps at test time
/// (paper §4, "Two practical tips"). Borders are clamped (<c>padding_mode = border</c>), so zero guidance equals
/// <c>interpolate(…, bilinear, align_corners = false)</c> exactly.
/// </remarks>
public sealed class ImprovedGuidedUpsampling : nn.Module
{
    /// <summary>Creates the module; offsets are in units of <paramref name="offsetScale"/> input pixels.</summary>
    public ImprovedGuidedUpsampling(double offsetScale = 1.0) : base(nameof(ImprovedGuidedUpsampling))
    {
        if (!(offsetScale > 0)) throw new ArgumentOutOfRangeException(nameof(offsetScale));
        OffsetScale = offsetScale;
    }

    /// <summary>Length, in low-resolution pixels, of a unit guidance vector.</summary>
    public double OffsetScale { get; }

    /// <summary>
    /// The guided sampling grid <c>[B, height, width, 2]</c> for a <paramref name="guidance"/> table <c>[B, 2, h, w]</c>:
    /// the regular grid of a <paramref name="fullHeight"/>×<paramref name="fullWidth"/> output plus the bilinearly
    /// upsampled offsets. <paramref name="height"/>/<paramref name="width"/> (≤ full size) crop the top-left part,
    /// used when the input was padded to a multiple of the output stride.
    /// </summary>
    public Tensor Grid(Tensor guidance, long fullHeight, long fullWidth, long height, long width)
    {
        using var scope = NewDisposeScope();
        long h = guidance.shape[2], w = guidance.shape[3];
        var up = interpolate(guidance, new[] { fullHeight, fullWidth }, mode: InterpolationMode.Bilinear, align_corners: SamplingCoordinates.AlignCorners);
        var grid = SamplingGrid.Regular(fullHeight, fullWidth, guidance.device, guidance.dtype)
            .add(SamplingGrid.OffsetsToDisplacement(up, h, w, OffsetScale), KeptScalars.One);
        if (height != fullHeight || width != fullWidth)
            grid = grid.narrow(1, 0, height).narrow(2, 0, width);
        return grid.MoveToOuterDisposeScope();
    }

    /// <summary>Samples <paramref name="input"/> <c>[B, C, h, w]</c> on <paramref name="grid"/> from <see cref="Grid"/>.</summary>
    /// <remarks>Bilinear sampling while training on the CPU goes through <see cref="GridSampleTraining"/> (same values, faster backward).</remarks>
    public static Tensor Sample(Tensor input, Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear) =>
        mode == GridSampleMode.Bilinear ? GridSampleTraining.Sample(input, grid)
            : grid_sample(input, grid, mode, GridSamplePaddingMode.Border, SamplingCoordinates.AlignCorners);

    /// <summary>Upsamples <paramref name="input"/> <c>[B, C, h, w]</c> to <paramref name="height"/>×<paramref name="width"/> guided by <paramref name="guidance"/>.</summary>
    public Tensor forward(Tensor input, Tensor guidance, long height, long width, GridSampleMode mode = GridSampleMode.Bilinear)
    {
        using var grid = Grid(guidance, height, width, height, width);
        return Sample(input, grid, mode);
    }
}
