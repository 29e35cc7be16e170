using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Inference;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Onnx;

/// <summary>
/// A trained Spatial Sampling Network as an ML.NET transformer backed by ONNX Runtime instead of TorchSharp: it adds
/// exactly the columns of <c>SpatialSamplingTransformer</c> (<see cref="SegmentationOutputColumns"/>), lazily,
/// batching rows of equal size; the class map and instance extraction (paper §3.1, §4) run in C#. Nothing on this
/// path calls libtorch. Saved and loaded with <c>mlContext.Model.Save</c>/<c>Load</c>, the ONNX bytes inside the zip.
/// </summary>
public sealed class SsnOnnxTransformer : ITransformer, ISsnModelLoadable, IDisposable, ISegmentationPredictionSource
{
    private const string ModelStream = "Network.onnx";

    /// <summary>Wraps an exported model (see <c>SsnOnnxExporter</c>).</summary>
    /// <param name="env">The ML.NET environment (an <see cref="MLContext"/>).</param>
    /// <param name="onnxModel">ONNX bytes from <c>SsnOnnxExporter.Export(Modeling.SpatialSamplingNetwork, SsnOnnxExportOptions?)</c>.</param>
    /// <param name="classNames">Names of the classes, indexed by train id.</param>
    /// <param name="normalization">Input normalisation used in training (default ImageNet).</param>
    /// <param name="options">Columns and output options (the TorchSharp transformer's).</param>
    /// <param name="sessionOptions">ONNX Runtime settings.</param>
    public SsnOnnxTransformer(IHostEnvironment env, byte[] onnxModel, IReadOnlyList<string> classNames,
        ImageNormalization? normalization = null, SpatialSamplingTransformerOptions? options = null, SsnOnnxSessionOptions? sessionOptions = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(classNames);
        env.Register(nameof(SsnOnnxTransformer));
        Options = options ?? new SpatialSamplingTransformerOptions();
        Options.Validate();
        Predictor = new SsnOnnxPredictor(onnxModel, Options.InstanceExtraction, sessionOptions);
        if (classNames.Count != Predictor.NumClasses)
        {
            Predictor.Dispose();
            throw new ArgumentException($"{classNames.Count} class names were given for an ONNX model with {Predictor.NumClasses} classes.", nameof(classNames));
        }
        ClassNames = classNames.ToArray();
        Normalization = normalization ?? ImageNormalization.ImageNet;
    }

    /// <summary>The same model on other ONNX Runtime settings (for example a GPU execution provider), as a new transformer.</summary>
    public SsnOnnxTransformer WithSessionOptions(IHostEnvironment env, SsnOnnxSessionOptions sessionOptions) =>
        new(env, Predictor.ModelBytes, ClassNames, Normalization, Options, sessionOptions);

    /// <summary>Class names by train id.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Input normalisation.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Columns and output options.</summary>
    public SpatialSamplingTransformerOptions Options { get; }

    /// <summary>The ONNX Runtime predictor.</summary>
    public SsnOnnxPredictor Predictor { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        SegmentationOutputSchema.Build(inputSchema, ImageColumn(inputSchema), ClassNames, Options.OutputScores);

    /// <summary>The image column, validated.</summary>
    public DataViewSchema.Column ImageColumn(DataViewSchema schema) =>
        SegmentationOutputSchema.ImageColumn(schema, Options.ImageColumnName, "ONNX Spatial Sampling transformer");

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SegmentationDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        new SegmentationRowMapper(this, inputSchema, GetOutputSchema(inputSchema));

    IReadOnlyList<SsnPrediction> ISegmentationPredictionSource.PredictImages(IReadOnlyList<MLImage> images)
    {
        var (data, h, w) = SegmentationOutputSchema.Batch(images, Normalization);
        return Predictor.Predict(data, images.Count, h, w, Options.OutputScores);
    }

    #region Persistence
    /// <inheritdoc />
    public static string LoaderSignature => "SsnOnnxTransformer";

    /// <inheritdoc />
    public static uint ModelVersion => 1;

    private sealed record SavedState(string[] ClassNames, float[] Mean, float[] Std, SpatialSamplingTransformerOptions Options, SsnOnnxSessionOptions Session);

    void ICanSaveModel.Save(ModelSaveContext ctx) => SsnModelFormat.Save<SsnOnnxTransformer>(ctx,
        body => body.Write(JsonSerializer.Serialize(new SavedState(ClassNames.ToArray(), Normalization.Mean, Normalization.Std, Options, Predictor.SessionOptions))),
        new Dictionary<string, Action<Stream>> { [ModelStream] = s => s.Write(Predictor.ModelBytes) });

    /// <inheritdoc />
    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        var state = JsonSerializer.Deserialize<SavedState>(context.Body.ReadString())
                    ?? throw new InvalidDataException($"The saved {nameof(SsnOnnxTransformer)} in '{context.Entry}' has no state.");
        using var stream = context.OpenBinaryStream(ModelStream);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return new SsnOnnxTransformer(env, bytes.ToArray(), state.ClassNames, new ImageNormalization(state.Mean, state.Std), state.Options, state.Session);
    }
    #endregion

    /// <inheritdoc />
    public void Dispose() => Predictor.Dispose();
}
