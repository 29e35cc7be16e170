using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Inference;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// A trained segmentation network as an ML.NET transformer, whatever engine runs it: <see cref="Transform"/> adds,
/// lazily per row, the columns of <see cref="SegmentationOutputColumns"/> — the predicted class map, the instance-id map
/// and the instance list (paper §4) — at each input image's own size, predicting rows of equal size in batches. Works with
/// <c>PredictionEngine</c>; concurrent <see cref="Transform"/> calls are safe. The engines are the derived types:
/// <c>SpatialSamplingTransformer</c> (TorchSharp, package Ssn.MLNet.Trainers) and <see cref="OnnxRuntime.SsnOnnxTransformer"/>
/// (ONNX Runtime, this package, no libtorch); each saves its own weights into the ML.NET model file.
/// </summary>
public abstract class SegmentationTransformer : ITransformer, IDisposable
{
    private readonly string name;

    /// <summary>Validates and keeps what every engine shares.</summary>
    /// <param name="name">The transformer's name in error messages.</param>
    /// <param name="classNames">Names of the classes, indexed by train id.</param>
    /// <param name="numClasses">Outputs of the network: the number of names plus <see cref="SpatialSamplingTransformerOptions.VoidOutputs"/>.</param>
    /// <param name="normalization">Input normalisation used in training (default ImageNet).</param>
    /// <param name="options">Columns and output options.</param>
    protected SegmentationTransformer(string name, IReadOnlyList<string> classNames, long numClasses,
        ImageNormalization? normalization, SpatialSamplingTransformerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        Options = options ?? new SpatialSamplingTransformerOptions();
        Options.Validate();
        if (classNames.Count + Options.VoidOutputs != numClasses)
            throw new ArgumentException(Options.VoidOutputs == 0
                ? $"{classNames.Count} class names were given for a network with {numClasses} classes (outputs that are no class: {nameof(SpatialSamplingTransformerOptions)}.{nameof(SpatialSamplingTransformerOptions.VoidOutputs)})."
                : $"{classNames.Count} class names and {Options.VoidOutputs} void outputs were given for a network with {numClasses} outputs.", nameof(classNames));
        this.name = name;
        ClassNames = classNames.ToArray();
        Normalization = normalization ?? ImageNormalization.ImageNet;
    }

    /// <summary>Class names by train id.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Input normalisation.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Columns and output options.</summary>
    public SpatialSamplingTransformerOptions Options { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        SegmentationOutputSchema.Build(inputSchema, ImageColumn(inputSchema), ClassNames, Options.OutputScores);

    /// <summary>The image column, validated.</summary>
    public DataViewSchema.Column ImageColumn(DataViewSchema schema) => SegmentationOutputSchema.ImageColumn(schema, Options.ImageColumnName, name);

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
        var predictions = Engine.Predict(data, images.Count, h, w, Options.OutputScores);
        return Options.VoidOutputs == 0 ? predictions : predictions.Select(WithoutVoid).ToList();
    }

    /// <summary>Pixels predicted as a void output become <see cref="SegmentationOutputColumns.NoClass"/>; scores keep the classes' planes.</summary>
    private SsnPrediction WithoutVoid(SsnPrediction p)
    {
        int classes = ClassNames.Count;
        foreach (ref byte label in p.Labels.AsSpan()) if (label >= classes) label = SegmentationOutputColumns.NoClass;
        return p.Scores is null ? p : p with { Scores = p.Scores[..(classes * p.Width * p.Height)] };
    }

    /// <summary>The engine that predicts batches of normalised images.</summary>
    protected abstract ISegmentationPredictor Engine { get; }

    void ICanSaveModel.Save(ModelSaveContext ctx) => Save(ctx);

    /// <summary>Writes the transformer into an ML.NET model file (the engine's own format).</summary>
    protected abstract void Save(ModelSaveContext ctx);

    /// <inheritdoc />
    public abstract void Dispose();
}
