namespace Ssn.MLNet.Inference;

/// <summary>
/// The one batch-prediction contract of both engines: <c>SegmentationPredictor</c> (TorchSharp, package Ssn.MLNet) and
/// <see cref="Onnx.SsnOnnxPredictor"/> (ONNX Runtime). The transformers call it; so can code that holds normalised images.
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
