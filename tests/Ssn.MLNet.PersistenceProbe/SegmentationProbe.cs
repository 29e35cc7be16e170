using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Ssn.MLNet.PersistenceProbe;

/// <summary>Runs a loaded segmentation model on image files and fingerprints its outputs (plain ML.NET only).</summary>
public static class SegmentationProbe
{
    /// <summary>An input row: one image path.</summary>
    public sealed class PathRow
    {
        /// <summary>The image file.</summary>
        public string ImagePath { get; set; } = "";
    }

    /// <summary>
    /// One line per image: the SHA-256 of its PredictedLabel bytes and of its PredictedInstanceIds. Images are read
    /// with ML.NET's own <c>LoadImages</c>.
    /// </summary>
    public static IEnumerable<string> Hashes(MLContext mlContext, ITransformer model, IEnumerable<string> images)
    {
        var paths = mlContext.Data.LoadFromEnumerable(images.Select(p => new PathRow { ImagePath = p }).ToList());
        var data = mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(PathRow.ImagePath)).Fit(paths).Transform(paths);
        var scored = model.Transform(data);
        var labels = scored.GetColumn<VBuffer<byte>>("PredictedLabel").Select(v => v.DenseValues().ToArray());
        var ids = scored.GetColumn<VBuffer<int>>("PredictedInstanceIds").Select(v => v.DenseValues().SelectMany(BitConverter.GetBytes).ToArray());
        return labels.Zip(ids, (l, i) => $"labels={Convert.ToHexString(SHA256.HashData(l))} ids={Convert.ToHexString(SHA256.HashData(i))}").ToList();
    }
}
