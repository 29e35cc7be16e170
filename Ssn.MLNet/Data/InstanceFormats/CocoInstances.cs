using System.Globalization;
using System.Text.Json;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data.InstanceFormats;

/// <summary>
/// Reads a COCO instance annotation file (<c>instances_*.json</c>, as CVAT, Label Studio, Roboflow and pycocotools write
/// it): <c>images</c> (id, file_name, width, height), <c>annotations</c> (id, image_id, category_id, <c>segmentation</c> as
/// polygons in pixels or as RLE — <c>counts</c> a list or pycocotools' compressed string, <c>size</c> [height, width] —,
/// <c>iscrowd</c>, <c>area</c>) and <c>categories</c> (id, name). Polygons of one annotation are united; every mask is
/// rasterised by <see cref="PolygonRaster"/> or decoded by <see cref="CocoRle"/>. One file is one split. A JSON that is
/// not COCO, an unknown image or category id, a polygon with fewer than 3 points, a coordinate outside the image, a
/// malformed RLE or a missing image file raises <see cref="InvalidDataException"/> (or <see cref="FileNotFoundException"/>)
/// naming the annotation id or file.
/// </summary>
public static class CocoInstances
{
    /// <summary>Reads <paramref name="annotationsJson"/> with images under <paramref name="imagesDirectory"/>.</summary>
    public static InstanceDataset Read(string annotationsJson, string imagesDirectory)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(ImageFile.ReadAllBytes(annotationsJson)); }
        catch (JsonException e) { throw new InvalidDataException($"'{annotationsJson}' is not JSON: {e.Message}", e); }
        using var _ = document;
        var root = document.RootElement;
        JsonElement Array(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a
            : throw new InvalidDataException($"'{annotationsJson}' is not a COCO instance file: it has no '{name}' array (images, annotations, categories).");
        var categories = Array("categories").EnumerateArray().Select(c => (Id: Int(c, "id", annotationsJson), Name: c.GetProperty("name").GetString() ?? ""))
            .OrderBy(c => c.Id).ToList();
        var categoryIndex = categories.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var images = new Dictionary<long, (string Path, int Width, int Height, List<InstanceAnnotation> Instances)>();
        var imageIds = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var image in Array("images").EnumerateArray())
        {
            long id = Int(image, "id", annotationsJson);
            string file = image.GetProperty("file_name").GetString() ?? "";
            string path = Path.GetFullPath(Path.Combine(imagesDirectory, file));
            if (!File.Exists(path)) throw new FileNotFoundException($"'{annotationsJson}': image {id} '{file}' is not in '{imagesDirectory}'.", path);
            images[id] = (path, (int)Int(image, "width", annotationsJson), (int)Int(image, "height", annotationsJson), []);
            imageIds[path] = id;
        }
        foreach (var a in Array("annotations").EnumerateArray())
        {
            long id = Int(a, "id", annotationsJson);
            string where = $"'{annotationsJson}' annotation {id}";
            long imageId = Int(a, "image_id", annotationsJson);
            if (!images.TryGetValue(imageId, out var image)) throw new InvalidDataException($"{where}: image_id {imageId} is not in 'images'.");
            long category = Int(a, "category_id", annotationsJson);
            if (!categoryIndex.TryGetValue((int)category, out int index)) throw new InvalidDataException($"{where}: category_id {category} is not in 'categories'.");
            bool crowd = a.TryGetProperty("iscrowd", out var c) && c.ValueKind == JsonValueKind.Number && c.GetInt32() == 1;
            var pixels = Mask(a.TryGetProperty("segmentation", out var s) ? s : default, image.Width, image.Height, where);
            double area = a.TryGetProperty("area", out var ar) && ar.ValueKind == JsonValueKind.Number ? ar.GetDouble() : pixels.Length;
            image.Instances.Add(new InstanceAnnotation(index, pixels, crowd, area, $"annotation {id}"));
        }
        var result = images.Values.OrderBy(i => i.Path, StringComparer.Ordinal)
            .Select(i => new AnnotatedImage(i.Path, i.Width, i.Height, i.Instances) { ImageId = imageIds[i.Path] }).ToList();
        return new InstanceDataset(categories.Select(c => c.Name).ToList(), result, []) { CategoryIds = categories.Select(c => (int)c.Id).ToList() };
    }

    private static int[] Mask(JsonElement segmentation, int width, int height, string where)
    {
        switch (segmentation.ValueKind)
        {
            case JsonValueKind.Array:
                var union = new SortedSet<int>();
                int part = 0;
                foreach (var polygon in segmentation.EnumerateArray())
                {
                    part++;
                    var xy = polygon.ValueKind == JsonValueKind.Array ? polygon.EnumerateArray().Select(v => v.GetDouble()).ToArray()
                        : throw new InvalidDataException($"{where}: polygon {part} is not a list of numbers.");
                    if (xy.Length < 6 || xy.Length % 2 != 0)
                        throw new InvalidDataException($"{where}: polygon {part} has {xy.Length} numbers; a polygon needs at least 3 x, y points.");
                    for (int i = 0; i < xy.Length; i++)
                        if (!(xy[i] >= 0 && xy[i] <= (i % 2 == 0 ? width : height)))
                            throw new InvalidDataException($"{where}: polygon {part} has {(i % 2 == 0 ? "x" : "y")} = {xy[i].ToString(CultureInfo.InvariantCulture)}, outside the {width}×{height} image.");
                    union.UnionWith(PolygonRaster.Fill(xy, width, height));
                }
                return union.ToArray();
            case JsonValueKind.Object:
                if (!segmentation.TryGetProperty("size", out var size) || size.GetArrayLength() != 2
                    || size[0].GetInt32() != height || size[1].GetInt32() != width)
                    throw new InvalidDataException($"{where}: the RLE's size is not the image's [{height}, {width}].");
                if (!segmentation.TryGetProperty("counts", out var counts)) throw new InvalidDataException($"{where}: the RLE has no 'counts'.");
                try
                {
                    long[] runs = counts.ValueKind == JsonValueKind.String ? CocoRle.Uncompress(counts.GetString()!)
                        : counts.EnumerateArray().Select(v => v.GetInt64()).ToArray();
                    return CocoRle.Decode(runs, width, height);
                }
                catch (InvalidDataException e) { throw new InvalidDataException($"{where}: {e.Message}", e); }
            default:
                throw new InvalidDataException($"{where}: 'segmentation' is neither polygons nor an RLE.");
        }
    }

    private static long Int(JsonElement e, string name, string file) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x) ? x
            : throw new InvalidDataException($"'{file}': an entry has no integer '{name}' ({Shorten(e.GetRawText())}).");

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
