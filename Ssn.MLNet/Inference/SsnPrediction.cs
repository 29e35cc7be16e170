using Ssn.MLNet.Instances;

namespace Ssn.MLNet.Inference;

/// <summary>The full prediction for one image, at the image's own size.</summary>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
/// <param name="Labels">Predicted train id per pixel, row-major.</param>
/// <param name="Confidence">Predicted probability of each pixel's label.</param>
/// <param name="Instances">Instance-id map and instances (paper §4).</param>
/// <param name="Scores">Per-class probabilities <c>[C, H, W]</c> row-major when requested, else null.</param>
public sealed record SsnPrediction(int Width, int Height, byte[] Labels, float[] Confidence, InstanceExtractionResult Instances, float[]? Scores = null);
