using Ssn.MLNet.Modeling;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Instance Segmentation Module (paper §4, Fig. 4): a fixed regular grid of pixel coordinates is sampled
/// <c>t</c> times with the same guidance offsets table, so that the coordinates of each instance's centre spread,
/// like a diffusion, over the whole area of the instance. The output is a 2-channel map of predicted instance
/// centres (x, y) in normalised coordinates.
/// </summary>
/// <remarks>
/// The gradient flows back through every sampling step to the offsets table and never to the fixed grid, so the only
/// way to lower the loss (Eq. 2) is to predict vectors that point towards the instance centre. Sampling is bilinear
/// at every step (a nearest step would stall on sub-pixel offsets).
/// </remarks>
public sealed class InstanceSamplingModule : nn.Module
{
    /// <summary>Creates the module with <paramref name="steps"/> iterations (Table 6; the paper uses 30).</summary>
    public InstanceSamplingModule(int steps = 30, double offsetScale = 1.0) : base(nameof(InstanceSamplingModule))
    {
        Steps = steps;
        if (!(offsetScale > 0)) throw new ArgumentOutOfRangeException(nameof(offsetScale));
        OffsetScale = offsetScale;
    }

    /// <summary>Number of sampling iterations t (must be positive).</summary>
    public int Steps
    {
        get => steps;
        set => steps = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "The number of sampling steps t must be positive.");
    }
    private int steps;

    /// <summary>Length, in pixels of the table's resolution, of a unit guidance vector.</summary>
    public double OffsetScale { get; }

    /// <summary>Runs the t sampling steps on <paramref name="guidance"/> <c>[B, 2, h, w]</c>; returns centres <c>[B, 2, h, w]</c>.</summary>
    public Tensor forward(Tensor guidance) => forward(guidance, Steps);

    /// <summary>As <see cref="forward(Tensor)"/> with an explicit number of steps.</summary>
    public Tensor forward(Tensor guidance, int steps)
    {
        using var regular = SamplingGrid.Regular(guidance.shape[2], guidance.shape[3], guidance.device, guidance.dtype);
        return forward(guidance, steps, regular);
    }

    /// <summary>
    /// As <see cref="forward(Tensor, int)"/> with the fixed regular grid <c>[1, h, w, 2]</c> given
    /// (<see cref="SamplingGrid.Regular"/>). The grid is detached: no gradient ever reaches it (Fig. 4).
    /// </summary>
    public Tensor forward(Tensor guidance, int steps, Tensor regularGrid)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of sampling steps t must be positive.");
        using var scope = NewDisposeScope();
        long b = guidance.shape[0], h = guidance.shape[2], w = guidance.shape[3];
        var regular = regularGrid.detach();
        var grid = regular.add(SamplingGrid.OffsetsToDisplacement(guidance, h, w, OffsetScale), KeptScalars.One);
        var centres = regular.permute(0, 3, 1, 2).expand(b, 2, h, w);
        for (int i = 0; i < steps; i++)
            centres = grid_sample(centres, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, SamplingCoordinates.AlignCorners);
        return centres.MoveToOuterDisposeScope();
    }
}
