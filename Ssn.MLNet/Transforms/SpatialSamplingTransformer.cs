using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Inference;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Modeling.Baselines;
using static TorchSharp.torch;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// A trained Spatial Sampling Network as an ML.NET transformer. <see cref="Transform"/> adds, lazily per row,
/// the predicted class map (<see cref="SegmentationOutputColumns.PredictedLabel"/>), the instance-id map and the
/// instance list (paper §4) at each input image's own size; rows of equal size are predicted in batches.
/// It can also wrap a semantic-only baseline of the paper's Table 1 (<see cref="Model"/>); its instance columns are then empty.
/// Works with <c>PredictionEngine</c>; concurrent <see cref="Transform"/> calls are safe. Saved and loaded with
/// <c>mlContext.Model.Save</c>/<c>Load</c>, weights inside the zip.
/// </summary>
public sealed class SpatialSamplingTransformer : ITransformer, ISsnModelLoadable, IDisposable, ISegmentationPredictionSource
{
    private const string NetworkStream = "Network.bin";

    /// <summary>Wraps a trained network.</summary>
    /// <param name="env">The ML.NET environment (an <see cref="MLContext"/>).</param>
    /// <param name="network">The trained network (kept unchanged; a BatchNorm-folded copy does the predicting).</param>
    /// <param name="classNames">Names of the classes, indexed by train id (length = number of classes).</param>
    /// <param name="normalization">Input normalisation used in training (default ImageNet).</param>
    /// <param name="options">Columns and output options.</param>
    public SpatialSamplingTransformer(IHostEnvironment env, SpatialSamplingNetwork network, IReadOnlyList<string> classNames,
        ImageNormalization? normalization = null, SpatialSamplingTransformerOptions? options = null)
        : this(env, classNames, network?.Options.NumClasses ?? throw new ArgumentNullException(nameof(network)), normalization, options)
    {
        Network = network;
        Predictor = new SsnPredictor(network, Options.InstanceExtraction);
    }

    /// <summary>
    /// Wraps a trained semantic segmentation model: one of the paper's Table 1 encoders with any decoder. It predicts
    /// <see cref="SegmentationOutputColumns.PredictedLabel"/> (and scores); the instance columns are empty.
    /// </summary>
    /// <param name="env">The ML.NET environment (an <see cref="MLContext"/>).</param>
    /// <param name="model">The trained model (kept unchanged; an eval-mode copy does the predicting).</param>
    /// <param name="classNames">Names of the classes, indexed by train id (length = number of classes).</param>
    /// <param name="normalization">Input normalisation used in training (default ImageNet).</param>
    /// <param name="options">Columns and output options.</param>
    public SpatialSamplingTransformer(IHostEnvironment env, SegmentationModel model, IReadOnlyList<string> classNames,
        ImageNormalization? normalization = null, SpatialSamplingTransformerOptions? options = null)
        : this(env, classNames, (int)(model?.NumClasses ?? throw new ArgumentNullException(nameof(model))), normalization, options)
    {
        Model = model;
        Predictor = new SegmentationModelPredictor(model);
    }

    private SpatialSamplingTransformer(IHostEnvironment env, IReadOnlyList<string> classNames, int numClasses,
        ImageNormalization? normalization, SpatialSamplingTransformerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(classNames);
        Options = options ?? new SpatialSamplingTransformerOptions();
        Options.Validate();
        if (classNames.Count != numClasses)
            throw new ArgumentException($"{classNames.Count} class names were given for a network with {numClasses} classes.", nameof(classNames));
        ClassNames = classNames.ToArray();
        Normalization = normalization ?? ImageNormalization.ImageNet;
        Predictor = null!; // set by the public constructors
    }

    /// <summary>The trained Spatial Sampling Network, or null when the transformer wraps a <see cref="Model"/>.</summary>
    public SpatialSamplingNetwork? Network { get; }

    /// <summary>The trained baseline model (Table 1 architecture × decoder), or null when it wraps a <see cref="Network"/>.</summary>
    public SegmentationModel? Model { get; }

    /// <summary>Class names by train id.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Input normalisation.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Columns and output options.</summary>
    public SpatialSamplingTransformerOptions Options { get; }

    /// <summary>What predicts: <see cref="SsnPredictor"/> (folded network and instance extraction) for a
    /// <see cref="Network"/>, <see cref="SegmentationModelPredictor"/> for a <see cref="Model"/>.</summary>
    public ISegmentationPredictor Predictor { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        SegmentationOutputSchema.Build(inputSchema, ImageColumn(inputSchema), ClassNames, Options.OutputScores);

    /// <summary>The image column, validated.</summary>
    public DataViewSchema.Column ImageColumn(DataViewSchema schema) =>
        SegmentationOutputSchema.ImageColumn(schema, Options.ImageColumnName, "Spatial Sampling transformer");

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SegmentationDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        new SegmentationRowMapper(this, inputSchema, GetOutputSchema(inputSchema));

    /// <summary>Predicts images (all the same size) in one batch.</summary>
    internal IReadOnlyList<SsnPrediction> PredictImages(IReadOnlyList<MLImage> images)
    {
        var (data, h, w) = SegmentationOutputSchema.Batch(images, Normalization);
        using var batch = tensor(data, new long[] { images.Count, 3, h, w });
        return Predictor.Predict(batch, Options.OutputScores);
    }

    DataViewSchema.Column ISegmentationPredictionSource.ImageColumn(DataViewSchema schema) => ImageColumn(schema);

    IReadOnlyList<SsnPrediction> ISegmentationPredictionSource.PredictImages(IReadOnlyList<MLImage> images) => PredictImages(images);

    #region Persistence
    /// <inheritdoc />
    public static string LoaderSignature => "SpatialSamplingTransformer";

    /// <inheritdoc />
    /// <remarks>Version 2 adds baseline models (<see cref="Model"/>); version 1 models (always a <see cref="Network"/>) still load.</remarks>
    public static uint ModelVersion => 2;

    /// <summary>Saved options; <paramref name="Baseline"/> ("architecture/decoder") is null for a <see cref="Network"/>.</summary>
    private sealed record SavedState(string[] ClassNames, float[] Mean, float[] Std, SpatialSamplingTransformerOptions Options, string? Baseline = null);

    void ICanSaveModel.Save(ModelSaveContext ctx) => SsnModelFormat.Save<SpatialSamplingTransformer>(ctx,
        body => body.Write(JsonSerializer.Serialize(new SavedState(ClassNames.ToArray(), Normalization.Mean, Normalization.Std, Options,
            Model is null ? null : $"{Model.Architecture}/{Model.DecoderKind}"))),
        new Dictionary<string, Action<Stream>>
        {
            [NetworkStream] = s =>
            {
                if (Model is not null) SegmentationModelSerializer.Save(Model, s);
                else SsnNetworkSerializer.Save(Network!, s);
            },
        });

    /// <inheritdoc />
    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        var state = JsonSerializer.Deserialize<SavedState>(context.Body.ReadString())
                    ?? throw new InvalidDataException($"The saved {nameof(SpatialSamplingTransformer)} in '{context.Entry}' has no state.");
        using var weights = context.OpenBinaryStream(NetworkStream);
        string name = $"{context.Entry}/{NetworkStream}";
        var normalization = new ImageNormalization(state.Mean, state.Std);
        return state.Baseline is null
            ? new SpatialSamplingTransformer(env, SsnNetworkSerializer.Load(weights, name: name), state.ClassNames, normalization, state.Options)
            : new SpatialSamplingTransformer(env, SegmentationModelSerializer.Load(weights, name: name), state.ClassNames, normalization, state.Options);
    }
    #endregion

    /// <inheritdoc />
    public void Dispose()
    {
        Predictor.Dispose();
        Network?.Dispose();
        Model?.Dispose();
    }
}
