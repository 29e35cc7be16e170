using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.ResultFiles;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Reporting;
using Ssn.MLNet.Transforms;
using Ssn.MLNet.Visualization;

namespace Ssn.MLNet.Samples.Commands;

/// <summary>
/// <c>predict</c>: model + images (files or folders) → per image a coloured class map, an overlay with instance outlines,
/// a 16-bit instance-id map, and (Cityscapes models) the Cityscapes results files.
/// </summary>
internal static class PredictCommand
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static Command Create(CliEnvironment env)
    {
        var modelOption = new Option<string>("--model", "-m") { Description = "Model file (model.zip), or a pretrained model's name (camvid-ssn, camvid-espnet, cityscapes-espnet).", Required = true };
        var inputs = new Argument<string[]>("inputs") { Description = "Image files and/or folders of images (.png, .jpg, .jpeg, .bmp; folders are searched recursively).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", DefaultValueFactory = _ => "ssn-predictions" };
        var cocoResults = new Option<bool>("--coco-results") { Description = "Also write coco-results.json (COCO results format: image_id = the file name when it is a number, else the image's position; category_id = the model's class index; RLE masks)." };
        var command = new Command("predict", "Predict classes and instances of images: coloured PNGs, overlays, instance maps, Cityscapes results.");
        command.Options.Add(modelOption);
        command.Arguments.Add(inputs);
        command.Options.Add(output);
        command.Options.Add(cocoResults);
        var backend = new BackendOption();
        backend.AddTo(command);
        CommandRunner.SetAction(command, env, async (p, token) =>
        {
            var files = ListImages(p.GetValue(inputs)!);
            var ml = new MLContext(seed: 1);
            using var model = backend.Load(ml, p.GetValue(modelOption)!, p);
            string outDir = Path.GetFullPath(p.GetValue(output)!);
            bool cityscapes = model.ClassNames.SequenceEqual(CityscapesLabels.TrainClassNames);
            var results = cityscapes ? new CityscapesResultsWriter(Path.Combine(outDir, "cityscapes-results")) : null;
            var palette = SegmentationPalette.For(model.ClassNames);
            int instances = 0;
            var coco = p.GetValue(cocoResults) ? new List<CocoResult>() : null;
            var position = files.Select((f, i) => (f, i)).DistinctBy(x => x.f).ToDictionary(x => x.f, x => (long)x.i);
            // Through the ML.NET transformer, which predicts consecutive images of one size as a batch; images are
            // decoded as the cursor reaches them.
            var rows = ml.Data.LoadFromEnumerable(files.Select(f => new ImageRow { Image = ImageFile.ReadRgb(f).ToMLImage(), Path = f }));
            var scored = ml.Data.CreateEnumerable<ScoredRow>(model.Transformer.Transform(rows), reuseRowObject: false);
            await ConsoleProgress.RunAsync(env.Console, $"Predicting {files.Count} images ({model.EngineName})", files.Count, task =>
            {
                foreach (var row in scored)
                {
                    token.ThrowIfCancellationRequested();
                    var image = RgbImage.FromMLImage(row.Image);
                    row.Image.Dispose();
                    string name = Path.GetFileNameWithoutExtension(row.Path);
                    ImageFile.WriteRgbPng(Path.Combine(outDir, name + "_labels.png"), SegmentationOverlay.Colorize(row.PredictedLabel, image.Width, image.Height, palette));
                    ImageFile.WriteRgbPng(Path.Combine(outDir, name + "_overlay.png"),
                        SegmentationOverlay.Render(image, row.PredictedLabel, row.PredictedInstanceIds, new OverlayOptions { Palette = palette }));
                    LabelPng.WriteGray16(Path.Combine(outDir, name + "_instances.png"), new Raster<int>(image.Width, image.Height, row.PredictedInstanceIds));
                    results?.Write(row.Path, row.PredictedLabel, image.Width, image.Height, row.PredictedInstanceIds, row.InstanceClasses, row.InstanceScores);
                    instances += row.InstanceClasses.Length;
                    if (coco is not null)
                    {
                        long imageId = long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : position[row.Path];
                        coco.AddRange(PredictedInstance.FromInstanceMap(row.PredictedInstanceIds, row.InstanceClasses, row.InstanceScores)
                            .Select(k => new CocoResult(imageId, k.TrainId, (float)k.Confidence, k.PixelIndices.ToArray(), image.Width, image.Height)));
                    }
                    task.Increment(1);
                }
                return 0;
            });
            if (coco is not null) CocoResults.Write(Path.Combine(outDir, "coco-results.json"), coco);
            env.Console.MarkupLine(Markup.Escape($"{files.Count} images, {instances} instances → {outDir}" + (cityscapes ? " (Cityscapes results in cityscapes-results/)" : "") +
                                                 (coco is null ? "" : " (COCO results in coco-results.json)")));
            return 0;
        });
        return command;
    }

    private sealed class ImageRow
    {
        [ImageOfAnySize] public MLImage Image { get; set; } = null!;
        public string Path { get; set; } = "";
    }

    private sealed class ScoredRow : SegmentationPrediction
    {
        [ImageOfAnySize] public MLImage Image { get; set; } = null!;
        public string Path { get; set; } = "";
    }

    /// <summary>The image files named by <paramref name="inputs"/> (folders expanded recursively), sorted, without duplicates.</summary>
    internal static IReadOnlyList<string> ListImages(IEnumerable<string> inputs)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                foreach (var f in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories))
                {
                    if (Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())) files.Add(Path.GetFullPath(f));
                }
            else if (File.Exists(input)) files.Add(Path.GetFullPath(input));
            else throw new CliException($"input '{input}' is neither an image file nor a folder.");
        }
        return files.Count == 0 ? throw new CliException($"no .png/.jpg/.jpeg/.bmp image in {string.Join(", ", inputs.Select(i => $"'{i}'"))}.") : files.ToList();
    }
}
