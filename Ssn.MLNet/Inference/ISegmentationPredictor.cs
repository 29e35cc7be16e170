using static TorchSharp.torch;

namespace Ssn.MLNet.Inference;

/// <summary>
/// Predicts class maps (and, for the Spatial Sampling Network, instances) for a batch of normalised images.
/// Implemented by <see cref="SsnPredictor"/> (paper §3–4) and <see cref="SegmentationModelPredictor"/> (the
/// baselines of Table 1, semantic only).
/// </summary>
public interface ISegmentationPredictor : IDisposable
{
    /// <summary>Predicts a batch of normalised images <c>[B, 3, H, W]</c> (any H, W).</summary>
    /// <param name="images">The images, on any device.</param>
    /// <param name="includeScores">Also return the per-class probability maps (C × H × W floats per image).</param>
    IReadOnlyList<SsnPrediction> Predict(Tensor images, bool includeScores = false);
}
