using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// What an iGUM-decoded network predicts at output stride 8 (paper Fig. 2), before guided upsampling
/// (<see cref="SegmentationModel.ForwardHeads"/>).
/// Owns its tensors: dispose it (or use a dispose scope).
/// </summary>
/// <param name="Logits">Class scores <c>[B, C, h, w]</c>.</param>
/// <param name="Guidance">iGUM guidance offsets table <c>[B, 2, h, w]</c> in [−1, 1] (§3.1).</param>
/// <param name="InstanceGuidance">Instance module guidance offsets table <c>[B, 2, h, w]</c> in [−1, 1] (§4); <c>null</c> when not computed.</param>
/// <param name="Centres">Predicted instance centres after t sampling steps <c>[B, 2, h, w]</c>, normalised coordinates; <c>null</c> when not computed.</param>
/// <param name="Height">Input height before padding to a multiple of 8.</param>
/// <param name="Width">Input width before padding.</param>
/// <param name="PaddedHeight">Padded input height (multiple of 8).</param>
/// <param name="PaddedWidth">Padded input width (multiple of 8).</param>
public sealed record SsnOutput(Tensor Logits, Tensor Guidance, Tensor? InstanceGuidance, Tensor? Centres,
    long Height, long Width, long PaddedHeight, long PaddedWidth) : IDisposable
{
    /// <summary>The same output with every table in fp32 (a reduced-precision network's output, before upsampling and loss).</summary>
    public SsnOutput ToFloat32() => this with
    {
        Logits = Logits.to(ScalarType.Float32),
        Guidance = Guidance.to(ScalarType.Float32),
        InstanceGuidance = InstanceGuidance?.to(ScalarType.Float32),
        Centres = Centres?.to(ScalarType.Float32),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        Logits.Dispose();
        Guidance.Dispose();
        InstanceGuidance?.Dispose();
        Centres?.Dispose();
    }
}
