using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Inference;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// What the lazy segmentation data view and row mapper need from a prediction transformer: its options, its image
/// column and batch prediction. Implemented by the TorchSharp-backed <c>SpatialSamplingTransformer</c> and
/// the ONNX Runtime-backed <see cref="Onnx.SsnOnnxTransformer"/>, which therefore add the same columns.
/// </summary>
internal interface ISegmentationPredictionSource
{
    /// <summary>Columns and output options.</summary>
    SpatialSamplingTransformerOptions Options { get; }

    /// <summary>The image column, validated.</summary>
    DataViewSchema.Column ImageColumn(DataViewSchema schema);

    /// <summary>Predicts images (all the same size) in one batch.</summary>
    IReadOnlyList<SsnPrediction> PredictImages(IReadOnlyList<MLImage> images);
}
