using System.Globalization;
using Ssn.MLNet.Imaging;
using YamlDotNet.RepresentationModel;

namespace Ssn.MLNet.Data.InstanceFormats;

/// <summary>
/// Reads Ultralytics' YOLO segmentation format: a <c>dataset.yaml</c> (<c>path</c>, <c>train</c>/<c>val</c> — a folder,
/// a list of folders or a <c>.txt</c> listing images —, and <c>names</c>, a map or a list), images under <c>images/</c>,
/// and per image a <c>labels/…/&lt;stem&gt;.txt</c> (the image path with its last <c>images</c> folder replaced by
/// <c>labels</c>), one instance per line: <c>class x1 y1 x2 y2 …</c>, coordinates normalised to [0, 1]. An image without
/// a label file has no instances; a label file without an image is skipped with a warning naming it. Bad lines (fewer
/// than 3 points, an odd number of coordinates, a coordinate outside [0, 1], an unknown class, a box instead of a
/// polygon) raise <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
public static class YoloSegmentation
{
    /// <summary>File extensions of images.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    /// <summary>Reads <paramref name="split"/> (a key of the YAML: train, val, test) of the dataset that
    /// <paramref name="yamlOrRoot"/> describes (the YAML file, or a folder holding exactly one).</summary>
    /// <exception cref="InvalidDataException">The YAML lacks the split or names, or a label line is bad (file and line named).</exception>
    public static InstanceDataset Read(string yamlOrRoot, string split = "train")
    {
        string yaml = ResolveYaml(yamlOrRoot);
        var (root, folders, names) = ReadYaml(yaml, split);
        var images = folders.SelectMany(f => ListImages(f, yaml)).Distinct().Order(StringComparer.Ordinal).ToList();
        var warnings = new List<string>();
        var result = new List<AnnotatedImage>();
        foreach (string image in images)
        {
            string label = LabelPath(image);
            var (width, height) = ImageFile.ReadSize(image);
            var instances = File.Exists(label) ? ReadLabels(label, width, height, names.Count) : [];
            result.Add(new AnnotatedImage(image, width, height, instances)
            {
                ImageId = long.TryParse(Path.GetFileNameWithoutExtension(image), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id) ? id : null,
            });
        }
        var stems = images.Select(LabelPath).ToHashSet(StringComparer.Ordinal);
        foreach (string labelDir in folders.Where(Directory.Exists).Select(f => Path.GetDirectoryName(LabelPath(Path.Combine(f, "x.jpg")))!).Distinct())
            if (Directory.Exists(labelDir))
                foreach (string orphan in Directory.GetFiles(labelDir, "*.txt").Where(l => !stems.Contains(l)).Order(StringComparer.Ordinal))
                    warnings.Add($"Label file '{orphan}' has no image beside it in '{Path.GetDirectoryName(orphan)!.Replace("labels", "images")}': skipped ({File.ReadLines(orphan).Count(l => l.Trim().Length > 0)} instances).");
        return new InstanceDataset(names, result, warnings);
    }

    /// <summary>The label file of <paramref name="image"/>: its last <c>images</c> folder replaced by <c>labels</c>, extension <c>.txt</c>.</summary>
    public static string LabelPath(string image)
    {
        string full = Path.GetFullPath(image);
        string sep = Path.DirectorySeparatorChar.ToString();
        int at = full.LastIndexOf(sep + "images" + sep, StringComparison.Ordinal);
        string swapped = at < 0 ? full : full[..at] + sep + "labels" + sep + full[(at + 8)..];
        return Path.ChangeExtension(swapped, ".txt");
    }

    private static string ResolveYaml(string yamlOrRoot)
    {
        if (File.Exists(yamlOrRoot)) return Path.GetFullPath(yamlOrRoot);
        if (!Directory.Exists(yamlOrRoot)) throw new FileNotFoundException($"YOLO dataset '{yamlOrRoot}' is neither a dataset.yaml nor a folder.", yamlOrRoot);
        var found = Directory.GetFiles(yamlOrRoot, "*.yaml").Concat(Directory.GetFiles(yamlOrRoot, "*.yml")).ToArray();
        return found.Length == 1 ? Path.GetFullPath(found[0])
            : throw new InvalidDataException($"YOLO dataset folder '{yamlOrRoot}' holds {found.Length} .yaml files; name the dataset.yaml to read.");
    }

    private static (string Root, List<string> Folders, List<string> Names) ReadYaml(string yaml, string split)
    {
        YamlMappingNode map;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(yaml)) stream.Load(reader);
            map = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode
                  ?? throw new InvalidDataException($"'{yaml}' is not a YAML mapping (path, train, val, names).");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"'{yaml}' is not valid YAML: {e.Message}", e);
        }
        string? Scalar(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;
        string dir = Path.GetDirectoryName(yaml)!;
        string root = Scalar("path") is { Length: > 0 } p ? Path.GetFullPath(Path.Combine(dir, p)) : dir;
        if (!map.Children.TryGetValue(new YamlScalarNode(split), out var entry))
            throw new InvalidDataException($"'{yaml}' has no '{split}:' entry (the split to read).");
        var paths = entry switch
        {
            YamlScalarNode s when s.Value is { Length: > 0 } v => [v],
            YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList(),
            _ => throw new InvalidDataException($"'{yaml}': '{split}:' must be a folder, a list of folders or a .txt file of images."),
        };
        var folders = new List<string>();
        foreach (string path in paths.Select(x => Path.GetFullPath(Path.Combine(root, x))))
        {
            if (path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) && File.Exists(path)) folders.Add(path);
            else if (Directory.Exists(path)) folders.Add(path);
            else throw new DirectoryNotFoundException($"'{yaml}': '{split}:' names '{path}', which does not exist.");
        }
        var names = map.Children.TryGetValue(new YamlScalarNode("names"), out var n) ? n switch
        {
            YamlSequenceNode list => list.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList(),
            YamlMappingNode m => NamesFromMap(m, yaml),
            _ => null,
        } : null;
        if (names is not { Count: > 0 }) throw new InvalidDataException($"'{yaml}' has no 'names:' (the class names, a list or a map from class id).");
        return (root, folders, names);
    }

    private static List<string> NamesFromMap(YamlMappingNode map, string yaml)
    {
        var byId = new SortedDictionary<int, string>();
        foreach (var (key, value) in map.Children)
        {
            if (!int.TryParse(((YamlScalarNode)key).Value, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw new InvalidDataException($"'{yaml}': names key '{key}' is not a class id.");
            byId[id] = ((YamlScalarNode)value).Value ?? "";
        }
        if (byId.Keys.Select((id, i) => id != i).Any(x => x))
            throw new InvalidDataException($"'{yaml}': the class ids of names must be 0, 1, 2, … without gaps.");
        return byId.Values.ToList();
    }

    private static IEnumerable<string> ListImages(string folderOrList, string yaml)
    {
        if (File.Exists(folderOrList))
        {
            string dir = Path.GetDirectoryName(folderOrList)!;
            return File.ReadAllLines(folderOrList).Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => Path.GetFullPath(Path.Combine(dir, l)));
        }
        return Directory.EnumerateFiles(folderOrList, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()));
    }

    private static List<InstanceAnnotation> ReadLabels(string file, int width, int height, int classes)
    {
        var result = new List<InstanceAnnotation>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(file))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            string where = $"'{file}' line {lineNumber}";
            var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (!int.TryParse(tokens[0], NumberStyles.None, CultureInfo.InvariantCulture, out int cls) || cls >= classes)
                throw new InvalidDataException($"{where}: class '{tokens[0]}' is not one of the dataset's {classes} class ids (0–{classes - 1}).");
            var values = new double[tokens.Length - 1];
            for (int i = 1; i < tokens.Length; i++)
                if (!double.TryParse(tokens[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]) || !double.IsFinite(values[i - 1]))
                    throw new InvalidDataException($"{where}: '{tokens[i]}' is not a number.");
            if (values.Length == 4)
                throw new InvalidDataException($"{where}: 4 numbers is a YOLO detection box (x y w h), not a segmentation polygon.");
            if (values.Length % 2 != 0) throw new InvalidDataException($"{where}: {values.Length} coordinates; a polygon has x, y pairs.");
            if (values.Length < 6) throw new InvalidDataException($"{where}: a polygon needs at least 3 points; this one has {values.Length / 2}.");
            if (values.FirstOrDefault(v => v < 0 || v > 1, double.NaN) is var bad && !double.IsNaN(bad))
                throw new InvalidDataException($"{where}: coordinate {bad.ToString(CultureInfo.InvariantCulture)} is outside [0, 1] (YOLO coordinates are normalised to the image size).");
            var xy = values.Select((v, i) => v * (i % 2 == 0 ? width : height)).ToArray();
            var pixels = PolygonRaster.Fill(xy, width, height);
            result.Add(new InstanceAnnotation(cls, pixels, false, pixels.Length, $"{Path.GetFileName(file)} line {lineNumber}"));
        }
        return result;
    }
}
