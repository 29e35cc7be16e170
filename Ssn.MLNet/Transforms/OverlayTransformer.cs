using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Visualization;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// Adds an image column with the predicted classes coloured over the input image and instance outlines drawn
/// (<see cref="SegmentationOverlay.Render"/>), lazily per row; composes with ML.NET's image transforms.
/// </summary>
public sealed class OverlayTransformer : OneColumnTransformer, ISsnModelLoadable
{
    /// <summary>Creates the transformer.</summary>
    /// <param name="outputColumnName">The added image column (default "Overlay").</param>
    /// <param name="imageColumnName">Input image column.</param>
    /// <param name="labelColumnName">Train-id map column (<c>VBuffer&lt;byte&gt;</c>).</param>
    /// <param name="instanceIdsColumnName">Instance-id map column for outlines (<c>VBuffer&lt;int&gt;</c>), or null for none.</param>
    /// <param name="alpha">Opacity of the class colours (0–1).</param>
    /// <param name="classNames">Class names; the palette is Cityscapes' for its 19 classes, else generated.</param>
    public OverlayTransformer(string outputColumnName = "Overlay", string imageColumnName = "Image", string labelColumnName = "PredictedLabel",
        string? instanceIdsColumnName = "PredictedInstanceIds", float alpha = 0.55f, IReadOnlyList<string>? classNames = null)
    {
        if (string.IsNullOrWhiteSpace(outputColumnName)) throw new ArgumentOutOfRangeException(nameof(outputColumnName), "The output column name is empty.");
        OutputColumnName = outputColumnName;
        ImageColumnName = imageColumnName;
        LabelColumnName = labelColumnName;
        InstanceIdsColumnName = instanceIdsColumnName;
        ClassNames = classNames;
        Options = new OverlayOptions
        {
            Alpha = alpha,
            Palette = classNames is null ? SegmentationPalette.Cityscapes : SegmentationPalette.For(classNames),
            DrawInstanceOutlines = instanceIdsColumnName is not null,
        };
        Options.Validate();
    }

    /// <inheritdoc />
    public override string OutputColumnName { get; }

    /// <summary>Input image column.</summary>
    public string ImageColumnName { get; }

    /// <summary>Train-id map column.</summary>
    public string LabelColumnName { get; }

    /// <summary>Instance-id map column, or null.</summary>
    public string? InstanceIdsColumnName { get; }

    /// <summary>Class names that chose the palette, or null for Cityscapes'.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Drawing options.</summary>
    public OverlayOptions Options { get; }

    /// <inheritdoc />
    protected override IReadOnlyList<DataViewSchema.Column> InputColumns(DataViewSchema s)
    {
        var columns = new List<DataViewSchema.Column>
        {
            RequireColumn(s, ImageColumnName, t => t is ImageDataViewType, "an image column (MLImage)"),
            RequireColumn(s, LabelColumnName, t => t is VectorDataViewType { ItemType: var i } && i == NumberDataViewType.Byte, "a vector of Byte (train ids)"),
        };
        if (InstanceIdsColumnName is not null)
            columns.Add(RequireColumn(s, InstanceIdsColumnName, t => t is VectorDataViewType { ItemType: var i } && i == NumberDataViewType.Int32, "a vector of Int32 (instance ids)"));
        return columns;
    }

    /// <inheritdoc />
    protected override DataViewType OutputType(DataViewSchema inputSchema) => inputSchema[ImageColumnName].Type;

    /// <inheritdoc />
    protected override Delegate MakeGetter(DataViewRow input)
    {
        var getImage = input.GetGetter<MLImage>(input.Schema[ImageColumnName]);
        var getLabels = input.GetGetter<VBuffer<byte>>(input.Schema[LabelColumnName]);
        var getIds = InstanceIdsColumnName is null ? null : input.GetGetter<VBuffer<int>>(input.Schema[InstanceIdsColumnName]);
        return (ValueGetter<MLImage>)((ref MLImage dst) =>
        {
            MLImage image = null!;
            VBuffer<byte> labels = default;
            VBuffer<int> ids = default;
            getImage(ref image);
            getLabels(ref labels);
            getIds?.Invoke(ref ids);
            var rgb = RgbImage.FromMLImage(image);
            if (labels.Length != rgb.Width * rgb.Height)
                throw new InvalidDataException($"Row {input.Position}: '{LabelColumnName}' has {labels.Length} values for a {rgb.Width}×{rgb.Height} image.");
            var overlay = SegmentationOverlay.Render(rgb, labels.DenseValues().ToArray(), getIds is null ? default : ids.DenseValues().ToArray(), Options);
            dst = overlay.ToMLImage();
        });
    }

    /// <inheritdoc />
    public static string LoaderSignature => "SsnOverlay";

    /// <inheritdoc />
    public static uint ModelVersion => 1;

    private sealed record State(string Output, string Image, string Label, string? Ids, float Alpha, string[]? ClassNames);

    /// <inheritdoc />
    protected override void SaveModel(ModelSaveContext ctx) => SsnModelFormat.Save<OverlayTransformer>(ctx,
        body => body.Write(JsonSerializer.Serialize(new State(OutputColumnName, ImageColumnName, LabelColumnName, InstanceIdsColumnName, Options.Alpha, ClassNames?.ToArray()))));

    /// <inheritdoc />
    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        var s = JsonSerializer.Deserialize<State>(context.Body.ReadString()) ?? throw new InvalidDataException($"'{context.Entry}' has no state.");
        return new OverlayTransformer(s.Output, s.Image, s.Label, s.Ids, s.Alpha, s.ClassNames);
    }
}
