using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// Generates a synthetic street-scene dataset in the exact Cityscapes layout and label ids, for tests and smoke
/// training without the real data (paper §6.1 trains on Cityscapes). Each image is a perspective street (road with
/// lane markings and crosswalks, sidewalks, façades with windows, walls, see-through fences, hedges, terrain, sky)
/// with thin structures (poles, street lights, traffic signs and lights, bicycle frames and spokes) and
/// instances of cars, trucks, buses, persons, riders, bicycles and motorcycles that occlude each other, under
/// random exposure, contrast, colour cast, vignetting and sensor noise; about half show the ego-vehicle hood
/// (label 1, ignored). Output is deterministic: the same options give byte-identical files.
/// </summary>
/// <remarks>
/// Files: <c>leftImg8bit/{split}/{city}/{city}_{seq:000000}_000019_leftImg8bit.png</c> and under <c>gtFine/</c>
/// <c>…_gtFine_labelIds.png</c> (8-bit), <c>…_gtFine_instanceIds.png</c> (16-bit, <c>labelId * 1000 + k</c>) and
/// <c>…_gtFine_color.png</c>. Image <c>i</c> of a split goes to city <c>i % cities</c>, sequence <c>i / cities</c>.
/// </remarks>
public sealed class SyntheticCityscapesGenerator
{
    /// <summary>Version of the rendering; bump when output changes so cached datasets are regenerated.</summary>
    public const int FormatVersion = 1;

    /// <summary>Name of the manifest written at the dataset root.</summary>
    public const string ManifestFileName = "ssn_synthetic_manifest.json";

    /// <summary>The annotated frame number used in all file names (Cityscapes annotates frame 19 of each snippet).</summary>
    public const int Frame = 19;

    /// <summary>Cities of the <c>train</c> split.</summary>
    public static IReadOnlyList<string> TrainCities { get; } = ["synthbonn", "synthkoeln", "synthulm"];

    /// <summary>Cities of the <c>val</c> split.</summary>
    public static IReadOnlyList<string> ValCities { get; } = ["synthjena"];

    private static readonly string[] Splits = ["train", "val"];
    private static readonly (byte R, byte G, byte B)[] Palette = BuildPalette();

    /// <summary>Creates a generator.</summary>
    /// <param name="options">Options; <c>null</c> for the defaults.</param>
    public SyntheticCityscapesGenerator(SyntheticCityscapesOptions? options = null)
    {
        Options = options ?? new SyntheticCityscapesOptions();
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public SyntheticCityscapesOptions Options { get; }

    /// <summary>Renders image <paramref name="index"/> of <paramref name="split"/> in memory (no files).</summary>
    /// <param name="split"><c>train</c> or <c>val</c>.</param>
    /// <param name="index">0 ≤ index &lt; the split's count.</param>
    public SyntheticScene Render(string split, int index)
    {
        int splitIndex = SplitIndex(split);
        int count = splitIndex == 0 ? Options.TrainCount : Options.ValCount;
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        var rng = new Random(StableSeed.Mix(Options.Seed, splitIndex, index));
        var canvas = new SceneCanvas(Options.Width, Options.Height);
        var layout = StreetLayout.Create(rng, Options.Width, Options.Height);
        StreetBackground.Render(canvas, layout);
        new StreetObjects(canvas, layout, rng).DrawAll();
        byte[] rgb = Photometry.Develop(canvas, rng, Options.NoiseStdDev);
        return new SyntheticScene(new RgbImage(Options.Width, Options.Height, rgb),
            new Raster<byte>(Options.Width, Options.Height, canvas.LabelIds),
            new Raster<int>(Options.Width, Options.Height, canvas.InstanceIds));
    }

    /// <summary>The Cityscapes file stem (<c>{city}_{seq:000000}_000019</c>) of image <paramref name="index"/> of a split.</summary>
    /// <param name="split"><c>train</c> or <c>val</c>.</param>
    /// <param name="index">Image index within the split.</param>
    public static string StemOf(string split, int index)
    {
        IReadOnlyList<string> cities = SplitIndex(split) == 0 ? TrainCities : ValCities;
        return CityscapesPaths.Stem(cities[index % cities.Count], index / cities.Count, Frame);
    }

    /// <summary>
    /// Writes the whole dataset under <paramref name="root"/>, replacing an earlier synthetic dataset there.
    /// </summary>
    /// <param name="root">Dataset root; created if missing.</param>
    /// <exception cref="InvalidOperationException"><paramref name="root"/> holds Cityscapes folders without this
    /// generator's manifest (e.g. the real dataset), which are never deleted.</exception>
    public void Generate(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string manifestPath = Path.Combine(root, ManifestFileName);
        bool hasData = Directory.Exists(Path.Combine(root, "leftImg8bit")) || Directory.Exists(Path.Combine(root, "gtFine"));
        if (hasData && SyntheticManifest.TryRead(manifestPath) is null)
            throw new InvalidOperationException(
                $"'{root}' already holds leftImg8bit/ or gtFine/ but no {ManifestFileName}; refusing to overwrite data this generator did not write.");
        foreach (string top in new[] { "leftImg8bit", "gtFine" })
            foreach (string split in Splits)
            {
                string dir = Path.Combine(root, top, split);
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
        Directory.CreateDirectory(root);
        SyntheticManifest.From(Options, complete: false).Write(manifestPath);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism };
        foreach (string split in Splits)
            Parallel.For(0, split == "train" ? Options.TrainCount : Options.ValCount, parallel, i => WriteImage(root, split, i));
        SyntheticManifest.From(Options, complete: true).Write(manifestPath);
    }

    /// <summary>
    /// Reuses the dataset under <paramref name="root"/> when it was completely generated with the same options
    /// (per its manifest, and every file is present); otherwise generates it.
    /// </summary>
    /// <param name="root">Dataset root.</param>
    /// <returns><c>true</c> when the dataset was (re)generated, <c>false</c> when reused.</returns>
    public bool EnsureGenerated(string root)
    {
        if (IsComplete(root)) return false;
        Generate(root);
        return true;
    }

    /// <summary>Whether <paramref name="root"/> holds a complete dataset generated with these options.</summary>
    /// <param name="root">Dataset root.</param>
    public bool IsComplete(string root)
    {
        var manifest = SyntheticManifest.TryRead(Path.Combine(root, ManifestFileName));
        if (manifest is null || manifest != SyntheticManifest.From(Options, complete: true)) return false;
        foreach (string split in Splits)
            for (int i = 0, n = split == "train" ? Options.TrainCount : Options.ValCount; i < n; i++)
                foreach (string path in FilesOf(root, split, StemOf(split, i)))
                    if (!File.Exists(path)) return false;
        return true;
    }

    private IEnumerable<string> FilesOf(string root, string split, string stem)
    {
        yield return CityscapesPaths.Image(root, split, stem);
        yield return CityscapesPaths.GtFine(root, split, stem, CityscapesPaths.LabelIdsSuffix);
        yield return CityscapesPaths.GtFine(root, split, stem, CityscapesPaths.InstanceIdsSuffix);
        if (Options.WriteColorImages) yield return CityscapesPaths.GtFine(root, split, stem, CityscapesPaths.ColorSuffix);
    }

    private void WriteImage(string root, string split, int index)
    {
        SyntheticScene scene = Render(split, index);
        string stem = StemOf(split, index);
        ImageFile.WriteRgbPng(CityscapesPaths.Image(root, split, stem), scene.Image);
        LabelPng.WriteGray8(CityscapesPaths.GtFine(root, split, stem, CityscapesPaths.LabelIdsSuffix), scene.LabelIds);
        LabelPng.WriteGray16(CityscapesPaths.GtFine(root, split, stem, CityscapesPaths.InstanceIdsSuffix), scene.InstanceIds);
        if (Options.WriteColorImages)
        {
            var color = new byte[scene.LabelIds.Data.Length * 3];
            for (int i = 0; i < scene.LabelIds.Data.Length; i++)
                (color[3 * i], color[3 * i + 1], color[3 * i + 2]) = Palette[scene.LabelIds.Data[i]];
            ImageFile.WriteRgbPng(CityscapesPaths.GtFine(root, split, stem, CityscapesPaths.ColorSuffix),
                new RgbImage(scene.LabelIds.Width, scene.LabelIds.Height, color));
        }
    }

    private static int SplitIndex(string split) => split switch
    {
        "train" => 0,
        "val" => 1,
        _ => throw new ArgumentException($"Unknown split '{split}'; the generator writes 'train' and 'val'.", nameof(split)),
    };

    private static (byte, byte, byte)[] BuildPalette()
    {
        var p = new (byte, byte, byte)[256];
        foreach (CityscapesLabel l in CityscapesLabels.All)
            if (l.Id >= 0) p[l.Id] = l.Color;
        return p;
    }
}
