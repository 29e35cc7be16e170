using System.CommandLine;
using Spectre.Console;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;

namespace Ssn.MLNet.Samples.Commands;

/// <summary><c>generate</c>: writes the synthetic street-scene dataset in the Cityscapes layout.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliEnvironment env)
    {
        var d = new SyntheticCityscapesOptions();
        var output = new Option<string>("--out", "-o") { Description = "Dataset root to write (leftImg8bit/, gtFine/).", DefaultValueFactory = _ => MainJobDefaults.DataDirectory };
        var width = new Option<int>("--width") { Description = "Image width.", DefaultValueFactory = _ => d.Width };
        var height = new Option<int>("--height") { Description = "Image height.", DefaultValueFactory = _ => d.Height };
        var train = new Option<int>("--train-images") { Description = "Images in the train split.", DefaultValueFactory = _ => d.TrainCount };
        var val = new Option<int>("--val-images") { Description = "Images in the val split.", DefaultValueFactory = _ => d.ValCount };
        var seed = new Option<int>("--seed") { Description = "Seed; the same options give byte-identical files.", DefaultValueFactory = _ => d.Seed };
        var noColor = new Option<bool>("--no-color-images") { Description = "Skip the *_gtFine_color.png visualisations." };
        var force = new Option<bool>("--force") { Description = "Regenerate even when a complete dataset with these options exists." };
        var command = new Command("generate", "Generate a synthetic Cityscapes-format street-scene dataset (train and val splits).");
        foreach (var o in new Option[] { output, width, height, train, val, seed, noColor, force }) command.Options.Add(o);
        CommandRunner.SetAction(command, env, async (p, _) =>
        {
            var options = new SyntheticCityscapesOptions
            {
                Width = p.GetValue(width), Height = p.GetValue(height), TrainCount = p.GetValue(train), ValCount = p.GetValue(val),
                Seed = p.GetValue(seed), WriteColorImages = !p.GetValue(noColor),
            };
            string root = p.GetValue(output)!;
            if (p.GetValue(force) && new SyntheticCityscapesGenerator(options).IsComplete(root))
                new SyntheticCityscapesGenerator(options).Generate(root);
            else
                await GenerationJob.RunAsync(env.Console, root, options);
            env.Console.MarkupLine(Markup.Escape($"{options.TrainCount} train + {options.ValCount} val images ({options.Width}×{options.Height}) in {Path.GetFullPath(root)}"));
            return 0;
        });
        return command;
    }
}
