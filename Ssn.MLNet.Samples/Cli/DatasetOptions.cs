using System.CommandLine;
using Ssn.MLNet.Samples.Jobs;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>The dataset options shared by <c>train</c> and <c>evaluate</c>: <c>--data --format --split</c> and the folders-format options.</summary>
internal sealed class DatasetOptions
{
    public Option<string?> Data { get; } = new("--data", "-d") { Description = "Dataset root (Cityscapes/CamVid/VOC root; for --format folders a folder holding images/ and masks/)." };

    public Option<DatasetFormat> Format { get; } = new("--format", "-f")
    {
        Description = "Dataset layout: cityscapes, camvid, voc, folders, coco (--annotations + --images) or yolo (--data dataset.yaml).",
        DefaultValueFactory = _ => DatasetFormat.Cityscapes,
    };

    public Option<string> Split { get; }

    public Option<string?> Images { get; } = new("--images") { Description = "Image folder (--format folders)." };

    public Option<string?> Masks { get; } = new("--masks") { Description = "Mask folder: 8-bit PNGs named like the images, value = class index, 255 = ignore (--format folders)." };

    public Option<string?> Classes { get; } = new("--classes") { Description = "Class names for --format folders, or the categories to keep for coco/yolo (default: all; others become background): comma-separated, or a text file with one name per line." };

    public Option<string?> Annotations { get; } = new("--annotations") { Description = "COCO instance annotations JSON (--format coco; images under --images)." };

    public Option<double?> HoldOut { get; } = new("--hold-out") { Description = "coco/yolo: split by image with a seeded shuffle (opt-in): this share of the images is --split val, the rest train." };

    public Option<int> SplitSeed { get; } = new("--split-seed") { Description = "Seed of --hold-out's shuffle.", DefaultValueFactory = _ => 1 };

    public Option<string?> Instances { get; } = new("--instances") { Description = "Instance-map folder (--format folders, optional): 16-bit PNGs named like the images, class·1000 + n per instance, 0 elsewhere." };

    public Option<string> MaskSuffix { get; } = new("--mask-suffix") { Description = "Text between the image stem and .png in mask names (--format folders).", DefaultValueFactory = _ => "" };

    public DatasetOptions(string defaultSplit) =>
        Split = new("--split") { Description = "Split to read (cityscapes/camvid/voc; yolo: a key of dataset.yaml; with --hold-out: val or train).", DefaultValueFactory = _ => defaultSplit };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Data, Format, Split, Images, Masks, Instances, Classes, MaskSuffix, Annotations, HoldOut, SplitSeed }) command.Options.Add(o);
    }

    public DatasetSpec Read(ParseResult parse) => new()
    {
        Root = parse.GetValue(Data),
        Format = parse.GetValue(Format),
        Split = parse.GetValue(Split)!,
        Images = parse.GetValue(Images),
        Masks = parse.GetValue(Masks),
        Instances = parse.GetValue(Instances),
        Classes = DatasetSpec.ParseClasses(parse.GetValue(Classes)),
        MaskSuffix = parse.GetValue(MaskSuffix) ?? "",
        Annotations = parse.GetValue(Annotations),
        HoldOut = parse.GetValue(HoldOut),
        SplitSeed = parse.GetValue(SplitSeed),
    };
}
