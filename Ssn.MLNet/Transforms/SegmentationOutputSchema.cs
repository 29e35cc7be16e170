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

    /// <summary>
    /// The columns every Spatial Sampling transformer adds, in order, with their item types: per-pixel maps
    /// (H × W), per-instance lists, and the per-class scores (C × H × W) when <paramref name="outputScores"/>.
    /// </summary>
    public static IEnumerable<(string Name, PrimitiveDataViewType ItemType, bool PerPixel)> AddedColumns(bool outputScores)
    {
        yield return (SegmentationOutputColumns.PredictedLabel, NumberDataViewType.Byte, true);
        yield return (SegmentationOutputColumns.PredictedInstanceIds, NumberDataViewType.Int32, true);
        yield return (SegmentationOutputColumns.InstanceClasses, NumberDataViewType.Int32, false);
        yield return (SegmentationOutputColumns.InstanceScores, NumberDataViewType.Single, false);
        yield return (SegmentationOutputColumns.InstanceAreas, NumberDataViewType.Int32, false);
        yield return (SegmentationOutputColumns.InstanceBoxes, NumberDataViewType.Single, false);
        if (outputScores) yield return (SegmentationOutputColumns.Score, NumberDataViewType.Single, false);
    }

    /// <summary>The input schema plus <see cref="AddedColumns"/> (map sizes known when the image size is).</summary>
    public static DataViewSchema Build(DataViewSchema inputSchema, DataViewSchema.Column image, IReadOnlyList<string> classNames, bool outputScores)
    {
        var size = (ImageDataViewType)image.Type;
        bool known = size.Height > 0 && size.Width > 0;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var (name, item, perPixel) in AddedColumns(outputScores))
        {
            var type = !known ? new VectorDataViewType(item)
                : perPixel ? new VectorDataViewType(item, size.Height, size.Width)
                : name == SegmentationOutputColumns.Score ? new VectorDataViewType(item, classNames.Count, size.Height, size.Width)
                : new VectorDataViewType(item);
            builder.AddColumn(name, type, name == SegmentationOutputColumns.PredictedLabel ? SegmentationEvaluation.ClassNamesAnnotations(classNames) : null);
        }
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
