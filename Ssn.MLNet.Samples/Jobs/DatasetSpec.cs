using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Samples.Cli;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// Which dataset to read and how: a root and format (with a split), or for <see cref="DatasetFormat.Folders"/> an
/// image folder, a mask folder and the class names.
/// </summary>
public sealed record DatasetSpec
{
    /// <summary>Dataset root (Cityscapes, CamVid, VOC) — or, for folders, the folder holding <c>images/</c> and <c>masks/</c> when those are not given.</summary>
    public string? Root { get; init; }

    /// <summary>Layout of the dataset.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Cityscapes;

    /// <summary>Split to read (train, val, test …; ignored by <see cref="DatasetFormat.Folders"/>).</summary>
    public string Split { get; init; } = "train";

    /// <summary>Image folder (folders format).</summary>
    public string? Images { get; init; }

    /// <summary>Mask folder (folders format).</summary>
    public string? Masks { get; init; }

    /// <summary>Instance-map folder (folders format, optional).</summary>
    public string? Instances { get; init; }

    /// <summary>Class names, indexed by mask value (folders format).</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Text between the stem and <c>.png</c> in mask names (folders format).</summary>
    public string MaskSuffix { get; init; } = "";

    /// <summary>COCO instance JSON (coco format).</summary>
    public string? Annotations { get; init; }

    /// <summary>An opt-in seeded split by image (coco and yolo formats): this share of the images is the <c>val</c> split,
    /// the rest every other split; null uses the dataset's own splits.</summary>
    public double? HoldOut { get; init; }

    /// <summary>The seed of <see cref="HoldOut"/>'s shuffle.</summary>
    public int SplitSeed { get; init; } = 1;

    /// <summary>Whether the format carries instance annotations from a labelling tool (COCO, YOLO): their images come in
    /// many sizes, evaluation uses COCO's mask AP.</summary>
    public bool IsInstanceFormat => Format is DatasetFormat.Coco or DatasetFormat.Yolo;

    /// <summary>The same dataset with another split.</summary>
    public DatasetSpec WithSplit(string split) => this with { Split = split };

    /// <summary>Opens the dataset as a lazy <see cref="SegmentationDataSource"/>.</summary>
    /// <exception cref="CliException">A required location is missing.</exception>
    public SegmentationDataSource Open(MLContext ml)
    {
        var data = ml.Segmentation().Data;
        switch (Format)
        {
            case DatasetFormat.Folders:
                string images = Images ?? (Root is null ? throw new CliException("--format folders needs --images and --masks (or --data holding images/ and masks/).") : Path.Combine(Root, "images"));
                string masks = Masks ?? (Root is null ? throw new CliException("--format folders needs --masks (or --data holding masks/).") : Path.Combine(Root, "masks"));
                if (Classes is not { Count: > 0 }) throw new CliException("--format folders needs --classes (comma-separated class names, or a text file with one name per line).");
                return data.LoadImageFolder(images, masks, Classes, MaskSuffix, instanceFolder: Instances);
            case DatasetFormat.Coco or DatasetFormat.Yolo:
                return OpenInstances(ml);
            default:
                if (string.IsNullOrWhiteSpace(Root)) throw new CliException("--data <root> is required.");
                if (!Directory.Exists(Root)) throw new CliException($"dataset root '{Root}' does not exist.");
                return Format switch
                {
                    DatasetFormat.Cityscapes => data.LoadCityscapes(Root, Split),
                    DatasetFormat.CamVid => data.LoadCamVid(Root, Split),
                    DatasetFormat.Voc => data.LoadPascalVoc(Root, Split),
                    _ => throw new CliException($"unknown format {Format}."),
                };
        }
    }

    private InstanceDataSource OpenInstances(MLContext ml)
    {
        InstanceDataset dataset;
        if (Format == DatasetFormat.Coco)
        {
            if (Annotations is null || Images is null) throw new CliException("--format coco needs --annotations <instances.json> and --images <folder>.");
            dataset = Ssn.MLNet.Data.InstanceFormats.CocoInstances.Read(Annotations, Images);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(Root)) throw new CliException("--format yolo needs --data <dataset.yaml or the folder holding it>.");
            dataset = YoloSegmentation.Read(Root, HoldOut is null ? Split : "train");
        }
        if (HoldOut is { } share)
        {
            var (kept, heldOut) = dataset.SplitByImage(share, SplitSeed);
            dataset = Split.Equals("val", StringComparison.OrdinalIgnoreCase) ? heldOut : kept;
        }
        try
        {
            return ml.Segmentation().Data.LoadInstances(dataset, Classes);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--classes: {e.Message}");
        }
    }

    /// <summary>Reads <c>--classes</c>: a text file with one name per line, or a comma-separated list.</summary>
    public static IReadOnlyList<string>? ParseClasses(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var names = File.Exists(value)
            ? File.ReadAllLines(value).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray()
            : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return names.Length == 0 ? throw new CliException($"--classes '{value}' names no class.") : names;
    }
}
