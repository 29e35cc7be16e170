using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Inference;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Trainers.Inference;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Trainers.Transforms;

/// <summary>
/// A trained segmentation network as a <see cref="SegmentationTransformer"/> run by TorchSharp: the Spatial Sampling
/// Network, or a semantic-only baseline of the paper's Table 1 whose instance columns are empty. Saved and loaded with
/// <c>mlContext.Model.Save</c>/<c>Load</c>, weights inside the zip.
/// </summary>
public sealed class SpatialSamplingTransformer : SegmentationTransformer, ISsnModelLoadable
{
    /// <summary>The network's weights in the model zip: the bytes <c>export --out x.safetensors</c> writes.</summary>
    private const string WeightsStream = "Network.safetensors";

    /// <summary>The network's <see cref="SsnNetworkOptions"/> in the model zip, as JSON (as a Hugging Face <c>config.json</c>).</summary>
    private const string OptionsStream = "Network.json";

    /// <summary>Wraps a trained network.</summary>
    /// <param name="env">The ML.NET environment (an <see cref="MLContext"/>).</param>
    /// <param name="model">The trained network (kept unchanged; a BatchNorm-folded copy does the predicting).</param>
    /// <param name="classNames">Names of the classes, indexed by train id (length = number of classes).</param>
    /// <param name="normalization">Input normalisation used in training (default ImageNet).</param>
    /// <param name="options">Columns and output options.</param>
    public SpatialSamplingTransformer(IHostEnvironment env, SegmentationModel model, IReadOnlyList<string> classNames,
        ImageNormalization? normalization = null, SpatialSamplingTransformerOptions? options = null)
        : base("Spatial Sampling transformer", classNames, (model ?? throw new ArgumentNullException(nameof(model))).NumClasses, normalization, options)
    {
        ArgumentNullException.ThrowIfNull(env);
        Model = model;
        Predictor = new SegmentationPredictor(model, Options.InstanceExtraction);
    }

    /// <summary>The trained network.</summary>
    public SegmentationModel Model { get; }

    /// <summary>What predicts: the folded copy of <see cref="Model"/> and instance extraction.</summary>
    public SegmentationPredictor Predictor { get; }

    /// <inheritdoc />
    protected override ISegmentationPredictor Engine => Predictor;

    #region Persistence
    /// <inheritdoc />
    public static string LoaderSignature => "SpatialSamplingTransformer";

    /// <inheritdoc />
    /// <remarks>Version 4: the network as options JSON + safetensors (<see cref="NetworkWeights"/>); earlier versions do not load.</remarks>
    public static uint ModelVersion => 4;

    /// <inheritdoc />
    public static uint OldestReadableModelVersion => 4;

    private sealed record SavedState(string[] ClassNames, float[] Mean, float[] Std, SpatialSamplingTransformerOptions Options, ChannelOrder ChannelOrder = ChannelOrder.Rgb);

    /// <inheritdoc />
    protected override void Save(ModelSaveContext ctx) => SsnModelFormat.Save<SpatialSamplingTransformer>(ctx,
        body => body.Write(JsonSerializer.Serialize(new SavedState(ClassNames.ToArray(), Normalization.Mean, Normalization.Std, Options, Normalization.ChannelOrder))),
        new Dictionary<string, Action<Stream>>
        {
            [OptionsStream] = s => JsonSerializer.Serialize(s, Model.Options, IndentedJson),
            [WeightsStream] = s => s.Write(NetworkWeights.ToSafetensors(Model)),
        });

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <inheritdoc />
    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        var state = JsonSerializer.Deserialize<SavedState>(context.Body.ReadString())
                    ?? throw new InvalidDataException($"The saved {nameof(SpatialSamplingTransformer)} in '{context.Entry}' has no state.");
        string options = new StreamReader(context.OpenBinaryStream(OptionsStream)).ReadToEnd();
        using var weights = new MemoryStream();
        context.OpenBinaryStream(WeightsStream).CopyTo(weights);
        var model = NetworkWeights.CreateModel(weights.ToArray(), $"{context.Entry}/{WeightsStream}", options);
        var normalization = new ImageNormalization(state.Mean, state.Std, state.ChannelOrder);
        return new SpatialSamplingTransformer(env, model, state.ClassNames, normalization, state.Options);
    }
    #endregion

    /// <inheritdoc />
    public override void Dispose()
    {
        Predictor.Dispose();
        Model.Dispose();
    }
}
