using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Catalog;

/// <summary>Segmentation transforms: <c>mlContext.Segmentation().Transforms</c>.</summary>
public sealed class SegmentationTransformsCatalog
{
    internal SegmentationTransformsCatalog() { }

    /// <summary>Loads label maps from PNG paths in a text column (16-bit values kept); see <see cref="LabelMapLoadingTransformer"/>.</summary>
    /// <param name="outputColumnName">The added column (e.g. "Label").</param>
    /// <param name="pathColumnName">Text column of PNG paths.</param>
    /// <param name="folder">Folder the paths are relative to, or null.</param>
    /// <param name="encoding">How the pixel values are read (default: train ids).</param>
    public OneColumnEstimator<LabelMapLoadingTransformer> LoadLabelMaps(string outputColumnName, string pathColumnName, string? folder = null,
        LabelMapEncoding encoding = LabelMapEncoding.TrainIds)
    {
        var transformer = new LabelMapLoadingTransformer(outputColumnName, pathColumnName, folder, encoding);
        return new(transformer, outputColumnName, SchemaShape.Column.VectorKind.VariableVector,
            encoding == LabelMapEncoding.InstanceIds16 ? NumberDataViewType.Int32 : NumberDataViewType.Byte);
    }

    /// <summary>Adds an image column with the predicted classes coloured over the image and instance outlines; see <see cref="OverlayTransformer"/>.</summary>
    public OneColumnEstimator<OverlayTransformer> DrawOverlay(string outputColumnName = "Overlay", string imageColumnName = "Image",
        string labelColumnName = "PredictedLabel", string? instanceIdsColumnName = "PredictedInstanceIds", float alpha = 0.55f,
        IReadOnlyList<string>? classNames = null)
    {
        var transformer = new OverlayTransformer(outputColumnName, imageColumnName, labelColumnName, instanceIdsColumnName, alpha, classNames);
        return new(transformer, outputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType());
    }
}

/// <summary>A trivial estimator (nothing to learn) of a <see cref="OneColumnTransformer"/>.</summary>
/// <typeparam name="TTransformer">The transformer it returns.</typeparam>
public sealed class OneColumnEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : OneColumnTransformer
{
    private readonly TTransformer transformer;
    private readonly string name;
    private readonly SchemaShape.Column.VectorKind kind;
    private readonly DataViewType itemType;

    internal OneColumnEstimator(TTransformer transformer, string name, SchemaShape.Column.VectorKind kind, DataViewType itemType)
    {
        this.transformer = transformer;
        this.name = name;
        this.kind = kind;
        this.itemType = itemType;
    }

    /// <inheritdoc />
    public TTransformer Fit(IDataView input)
    {
        transformer.GetOutputSchema(input.Schema); // validates the input columns
        return transformer;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[name] = MLNetInternals.NewSchemaShapeColumn(name, kind, itemType, isKey: false);
        return new SchemaShape(columns.Values);
    }
}
