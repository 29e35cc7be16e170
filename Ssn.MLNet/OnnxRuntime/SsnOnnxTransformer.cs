using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Inference;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.OnnxRuntime;

/// <summary>
/// A trained Spatial Sampling Network as a <see cref="SegmentationTransformer"/> backed by ONNX Runtime instead of
/// TorchSharp: the same columns, lazily, batching rows of equal size; the class map and instance extraction (paper
/// §3.1, §4) run in C#. Nothing on this path calls libtorch. Saved and loaded with <c>mlContext.Model.Save</c>/<c>Load</c>,
/// the ONNX bytes inside the zip.
/// </summary>
public sealed class SsnOnnxTransformer : SegmentationTransformer, ISsnModelLoadable
{
    private const string ModelStream = "Network.onnx";

    /// <summary>Wraps an exported model (see <c>SsnOnnxExporter</c>).</summary>
    /// <param name="env">The ML.NET environment (an <see cref="MLContext"/>).</param>
    /// <param name="onnxModel">ONNX bytes from <c>SsnOnnxExporter.Export(Modeling.SegmentationModel, SsnOnnxExportOptions?)</c>.</param>
    /// <param name="classNames">Names of the classes, indexed by train id.</param>
    /// <param name="normalization">Input normalisation used in training (default ImageNet).</param>
    /// <param name="options">Columns and output options (the TorchSharp transformer's).</param>
    /// <param name="sessionOptions">ONNX Runtime settings.</param>
    public SsnOnnxTransformer(IHostEnvironment env, byte[] onnxModel, IReadOnlyList<string> classNames,
        ImageNormalization? normalization = null, SpatialSamplingTransformerOptions? options = null, SsnOnnxSessionOptions? sessionOptions = null)
        : this(env ?? throw new ArgumentNullException(nameof(env)), CreatePredictor(onnxModel, options, sessionOptions), classNames, normalization, options)
    {
    }

    private static SsnOnnxPredictor CreatePredictor(byte[] onnxModel, SpatialSamplingTransformerOptions? options, SsnOnnxSessionOptions? sessionOptions)
    {
        options ??= new SpatialSamplingTransformerOptions();
        options.Validate();
        return new SsnOnnxPredictor(onnxModel, options.InstanceExtraction, sessionOptions);
    }

    private SsnOnnxTransformer(IHostEnvironment env, SsnOnnxPredictor predictor, IReadOnlyList<string> classNames,
        ImageNormalization? normalization, SpatialSamplingTransformerOptions? options)
        : base("ONNX Spatial Sampling transformer", classNames, Checked(predictor, classNames), normalization, options)
    {
        env.Register(nameof(SsnOnnxTransformer));
        Predictor = predictor;
    }

    /// <summary>The predictor's class count; disposes it when the names do not match (the base constructor then throws).</summary>
    private static long Checked(SsnOnnxPredictor predictor, IReadOnlyList<string> classNames)
    {
        if (classNames is null || classNames.Count != predictor.NumClasses) predictor.Dispose();
        return predictor.NumClasses;
    }

    /// <summary>The same model on other ONNX Runtime settings (for example a GPU execution provider), as a new transformer.</summary>
    public SsnOnnxTransformer WithSessionOptions(IHostEnvironment env, SsnOnnxSessionOptions sessionOptions) =>
        new(env, Predictor.ModelBytes, ClassNames, Normalization, Options, sessionOptions);

    /// <summary>The ONNX Runtime predictor.</summary>
    public SsnOnnxPredictor Predictor { get; }

    /// <inheritdoc />
    protected override ISegmentationPredictor Engine => Predictor;

    #region Persistence
    /// <inheritdoc />
    public static string LoaderSignature => "SsnOnnxTransformer";

    /// <inheritdoc />
    public static uint ModelVersion => 1;

    private sealed record SavedState(string[] ClassNames, float[] Mean, float[] Std, SpatialSamplingTransformerOptions Options, SsnOnnxSessionOptions Session,
        ChannelOrder ChannelOrder = ChannelOrder.Rgb);

    /// <inheritdoc />
    protected override void Save(ModelSaveContext ctx) => SsnModelFormat.Save<SsnOnnxTransformer>(ctx,
        body => body.Write(JsonSerializer.Serialize(new SavedState(ClassNames.ToArray(), Normalization.Mean, Normalization.Std, Options, Predictor.SessionOptions, Normalization.ChannelOrder))),
        new Dictionary<string, Action<Stream>> { [ModelStream] = s => s.Write(Predictor.ModelBytes) });

    /// <inheritdoc />
    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        var state = JsonSerializer.Deserialize<SavedState>(context.Body.ReadString())
                    ?? throw new InvalidDataException($"The saved {nameof(SsnOnnxTransformer)} in '{context.Entry}' has no state.");
        using var stream = context.OpenBinaryStream(ModelStream);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return new SsnOnnxTransformer(env, bytes.ToArray(), state.ClassNames, new ImageNormalization(state.Mean, state.Std, state.ChannelOrder), state.Options, state.Session);
    }
    #endregion

    /// <inheritdoc />
    public override void Dispose() => Predictor.Dispose();
}
