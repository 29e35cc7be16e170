namespace Ssn.MLNet.Inference;

/// <summary>
/// The one batch-prediction contract of both engines: <c>SegmentationPredictor</c> (TorchSharp, package Ssn.MLNet.Trainers) and
/// <see cref="OnnxRuntime.SsnOnnxPredictor"/> (ONNX Runtime). The transformers call it; so can code that holds normalised images.
/// </summary>
public interface ISegmentationPredictor : IDisposable
{
    /// <summary>Predicts a batch of normalised images <c>[batch, 3, height, width]</c> (row-major floats, any height and width).</summary>
    /// <param name="images">The images, <c>batch × 3 × height × width</c> floats.</param>
    /// <param name="batch">Number of images.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="includeScores">Also return the per-class probability maps.</param>
    IReadOnlyList<SsnPrediction> Predict(ReadOnlySpan<float> images, int batch, int height, int width, bool includeScores = false);
}

/// <summary>The argument checks of <see cref="ISegmentationPredictor.Predict"/>, shared by both engines.</summary>
internal static class ImageBatch
{
    /// <summary>Throws unless <paramref name="images"/> holds <c>batch × 3 × height × width</c> floats with positive sizes.</summary>
    public static void Check(ReadOnlySpan<float> images, int batch, int height, int width)
    {
        if (batch <= 0 || height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(batch), "Batch, height and width must be positive.");
        if (images.Length != (long)batch * 3 * height * width)
            throw new ArgumentException($"Expected {batch}×3×{height}×{width} = {(long)batch * 3 * height * width} floats, got {images.Length}.", nameof(images));
    }
}
