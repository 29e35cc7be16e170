using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Transforms;

/// <summary>What every Spatial Sampling prediction transformer (TorchSharp or ONNX Runtime) shares: input checks and output columns.</summary>
internal static class SegmentationOutputSchema
{
    /// <summary>The image column <paramref name="name"/> of <paramref name="schema"/>, or an exception naming it.</summary>
    public static DataViewSchema.Column ImageColumn(DataViewSchema schema, string name, string transformer)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{name}' not found; the {transformer} needs an image column (MLImage). Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is not ImageDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{name}' has type {column.Type}; expected an image column (MLImage, ImageDataViewType).");
        return column;
    }

    /// <summary>The input schema plus the columns of <see cref="SegmentationOutputColumns"/> (sizes known when the image size is).</summary>
    public static DataViewSchema Build(DataViewSchema inputSchema, DataViewSchema.Column image, IReadOnlyList<string> classNames, bool outputScores)
    {
        var size = (ImageDataViewType)image.Type;
        bool known = size.Height > 0 && size.Width > 0;
        VectorDataViewType Map(PrimitiveDataViewType t) => known ? new VectorDataViewType(t, size.Height, size.Width) : new VectorDataViewType(t);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(SegmentationOutputColumns.PredictedLabel, Map(NumberDataViewType.Byte), SegmentationEvaluation.ClassNamesAnnotations(classNames));
        builder.AddColumn(SegmentationOutputColumns.PredictedInstanceIds, Map(NumberDataViewType.Int32));
        builder.AddColumn(SegmentationOutputColumns.InstanceClasses, new VectorDataViewType(NumberDataViewType.Int32));
        builder.AddColumn(SegmentationOutputColumns.InstanceScores, new VectorDataViewType(NumberDataViewType.Single));
        builder.AddColumn(SegmentationOutputColumns.InstanceAreas, new VectorDataViewType(NumberDataViewType.Int32));
        builder.AddColumn(SegmentationOutputColumns.InstanceBoxes, new VectorDataViewType(NumberDataViewType.Single));
        if (outputScores)
            builder.AddColumn(SegmentationOutputColumns.Score, known
                ? new VectorDataViewType(NumberDataViewType.Single, classNames.Count, size.Height, size.Width)
                : new VectorDataViewType(NumberDataViewType.Single));
        return builder.ToSchema();
    }

    /// <summary>Normalised CHW floats of a batch of same-size images (B × 3 × H × W).</summary>
    public static (float[] Data, int Height, int Width) Batch(IReadOnlyList<MLImage> images, ImageNormalization normalization)
    {
        int h = images[0].Height, w = images[0].Width;
        ImageLimits.Check(w, h, "An input image");
        int plane = 3 * h * w;
        var data = new float[images.Count * plane];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Height != h || images[i].Width != w) throw new ArgumentException("A batch must hold images of one size.");
            normalization.ToChw(images[i], data.AsSpan(i * plane, plane));
        }
        return (data, h, w);
    }
}
