using System.CommandLine;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Samples.Reporting;
using Ssn.MLNet.Trainers;

namespace Ssn.MLNet.Samples.Commands;

/// <summary><c>train</c>: trains on a dataset in any supported format and saves <c>model.zip</c> and its training curve.</summary>
internal static class TrainCommand
{

    public static Command Create(CliEnvironment env)
    {
        var dataset = new DatasetOptions("train");
        var valSplit = new Option<string>("--val-split") { Description = "Validation split evaluated after every epoch ('none' to skip).", DefaultValueFactory = _ => "val" };
        var valImages = new Option<string?>("--val-images") { Description = "Validation image folder (--format folders, or coco with --val-annotations)." };
        var valAnnotations = new Option<string?>("--val-annotations") { Description = "Validation COCO instance JSON (--format coco; images under --val-images, default --images)." };
        var valMasks = new Option<string?>("--val-masks") { Description = "Validation mask folder (--format folders)." };
        var output = new Option<string>("--out", "-o") { Description = "Model file to write.", DefaultValueFactory = _ => "model.zip" };
        var curve = new Option<string?>("--curve") { Description = "Training-curve PNG (default: next to the model, <model>-training-curve.png)." };
        var recipe = new Option<TrainingRecipe>("--recipe")
        {
            Description = "Training recipe: paper (the paper's §6 recipe, default), camvid (CamVid from scratch within 2 hours on a 2-core CPU) or camvidfast (camvid with its first 12 epochs at half resolution; about 50 minutes with --replicas 2 on a 2-core Xeon); see the README. Options given explicitly override the recipe.",
            DefaultValueFactory = _ => TrainingRecipe.Paper,
        };
        var trainer = new TrainerOptionsBinder();
        var command = new Command("train", "Train the Spatial Sampling Network (defaults: the paper's recipe) and save the model.");
        dataset.AddTo(command);
        foreach (var o in new Option[] { recipe, valSplit, valImages, valMasks, valAnnotations, output, curve }) command.Options.Add(o);
        trainer.AddTo(command);
        CommandRunner.SetAction(command, env, async (p, token) =>
        {
            var spec = dataset.Read(p);
            var ml = new MLContext(seed: 1);
            var train = spec.Open(ml);
            var options = trainer.Apply(p, TrainingRecipes.Create(p.GetValue(recipe)), train.ClassNames.Count);
            ml = new MLContext(seed: options.Seed);
            // The trainer logs what --init-weights matched (and what not) to MLContext.Log: show that line.
            ml.Log += (_, e) => { if (e.RawMessage.StartsWith("Initial weights", StringComparison.Ordinal)) env.Console.MarkupLine(Markup.Escape(e.RawMessage)); };
            string split = p.GetValue(valSplit)!;
            if (spec.Format == DatasetFormat.Folders)
            {
                if (p.GetValue(valImages) is { } vi) options.ValidationSet = (spec with { Images = vi, Masks = p.GetValue(valMasks) ?? throw new CliException("--val-images needs --val-masks."), Instances = null }).Open(ml); // validation measures mIoU only
            }
            else if (spec.Format == DatasetFormat.Coco && spec.HoldOut is null)
            {
                if (p.GetValue(valAnnotations) is { } va) options.ValidationSet = (spec with { Annotations = va, Images = p.GetValue(valImages) ?? spec.Images }).Open(ml);
            }
            else if (!split.Equals("none", StringComparison.OrdinalIgnoreCase))
                options.ValidationSet = spec.WithSplit(split).Open(ml);
            string modelPath = p.GetValue(output)!;
            SsnModelFile.RequireWritable(modelPath);
            env.Console.MarkupLine(Markup.Escape($"Training on {train.Count} images ({spec.Format}, {train.ClassNames.Count} classes), recipe {p.GetValue(recipe).ToString().ToLowerInvariant()}, {options.Epochs} epochs, batch {options.BatchSize}" +
                                                 (options.ValidationSet is null ? "" : $", validating on '{split}'")));
            var result = await TrainingJob.RunAsync(env.Console, ml, train, options, token);
            using var model = result.Model;
            SsnModelFile.Save(ml, model, train.Schema, modelPath);
            string curvePath = p.GetValue(curve) ?? Path.ChangeExtension(modelPath, null) + "-training-curve.png";
            TrainingCurvePlot.Write(curvePath, result.History, $"Spatial Sampling Network, {train.Count} images");
            env.Console.MarkupLine(Markup.Escape($"Model saved: {Path.GetFullPath(modelPath)} ({result.Seconds:F0} s); curve: {Path.GetFullPath(curvePath)}"));
            return 0;
        });
        return command;
    }
}
