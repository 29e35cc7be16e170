using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The Guided Upsampling Module, GUM, of the paper's reference [39] (Mazzini, "Guided Upsampling Network for
/// Real-Time Semantic Segmentation", BMVC 2018), over bilinear sampling: every output pixel i samples the
/// low-resolution map U at its regular coordinates (x_i^s, y_i^s) shifted by its own offsets (p_i, q_i) — the
/// full-resolution Guidance Offsets Table (paper §3, Eq. 1; bilinear kernel instead of the Kronecker δ).
/// </summary>
/// <remarks>
/// The contrast with iGUM (<see cref="ImprovedGuidedUpsampling"/>, §3.1): GUM needs the table at the output
/// resolution (2 × fN × fM values), iGUM only at the input resolution (2 × N × M), interpolated.
/// Conventions as <see cref="SamplingGrid"/>: <c>align_corners = false</c>, border padding; offsets are expressed in
/// units of <c>offsetScale</c> low-resolution pixels.
/// </remarks>
public static class GuidedUpsampling
{
    /// <summary>The sampling grid <c>[B, H, W, 2]</c>: the regular grid of the <c>H×W</c> output plus <paramref name="offsets"/>.</summary>
    /// <param name="offsets">Full-resolution guidance offsets table <c>[B, 2, H, W]</c> (channel 0 = x, 1 = y).</param>
    /// <param name="lowHeight">Height N of the map to be sampled.</param>
    /// <param name="lowWidth">Width M of the map to be sampled.</param>
    /// <param name="offsetScale">Length, in low-resolution pixels, of a unit offset.</param>
    public static Tensor Grid(Tensor offsets, long lowHeight, long lowWidth, double offsetScale)
    {
        if (offsets.dim() != 4 || offsets.shape[1] != 2)
            throw new ArgumentException($"Expected a guidance offsets table [B, 2, H, W], got [{string.Join(", ", offsets.shape)}].", nameof(offsets));
        if (!(offsetScale > 0)) throw new ArgumentOutOfRangeException(nameof(offsetScale), offsetScale, "The offset scale must be positive.");
        using var scope = NewDisposeScope();
        var grid = SamplingGrid.Regular(offsets.shape[2], offsets.shape[3], offsets.device, offsets.dtype)
                   + SamplingGrid.OffsetsToDisplacement(offsets, lowHeight, lowWidth, offsetScale);
        return grid.MoveToOuterDisposeScope();
    }

    /// <summary>Upsamples <paramref name="input"/> <c>[B, C, N, M]</c> to the size of <paramref name="offsets"/> <c>[B, 2, H, W]</c>.</summary>
    public static Tensor Upsample(Tensor input, Tensor offsets, double offsetScale = 1.0, GridSampleMode mode = GridSampleMode.Bilinear)
    {
        using var grid = Grid(offsets, input.shape[2], input.shape[3], offsetScale);
        return ImprovedGuidedUpsampling.Sample(input, grid, mode);
    }
}
