using System.Text.Json;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data.InstanceFormats;

/// <summary>A predicted instance for a COCO results file.</summary>
/// <param name="ImageId">The image's id in the dataset's annotation file.</param>
/// <param name="CategoryId">The dataset's category id (not the model's class index).</param>
/// <param name="Score">Confidence.</param>
/// <param name="Pixels">Mask pixel indices (<c>y * width + x</c>).</param>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
public sealed record CocoResult(long ImageId, int CategoryId, float Score, int[] Pixels, int Width, int Height);

/// <summary>
/// Writes the COCO results format that <c>COCO.loadRes</c> and the COCO evaluation server read: a JSON array of
/// <c>{ image_id, category_id, segmentation: { size: [height, width], counts: "…" }, score }</c>, masks as pycocotools'
/// compressed RLE (<see cref="CocoRle"/>); atomically.
/// </summary>
public static class CocoResults
{
    /// <summary>Writes <paramref name="results"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<CocoResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream);
            json.WriteStartArray();
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteNumber("image_id", r.ImageId);
                json.WriteNumber("category_id", r.CategoryId);
                json.WriteStartObject("segmentation");
                json.WriteStartArray("size");
                json.WriteNumberValue(r.Height);
                json.WriteNumberValue(r.Width);
                json.WriteEndArray();
                json.WriteString("counts", CocoRle.Compress(CocoRle.Encode(r.Pixels, r.Width, r.Height)));
                json.WriteEndObject();
                json.WriteNumber("score", Math.Round(r.Score, 5));
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
    }
}
