using System.CommandLine;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Modeling.Import;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Samples.Commands;

/// <summary>
/// <c>import</c>: foreign PyTorch weights (<c>torch.save</c> of a state_dict, zip or legacy format, or safetensors) of a
/// known architecture → an ML.NET model file, with the class names and the input normalisation its authors trained with.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(CliEnvironment env)
    {
        var weights = new Option<string>("--weights", "-w") { Description = "PyTorch weights: a torch.save'd state_dict (.pth/.pt, zip or pre-1.6 legacy format) or .safetensors.", Required = true };
        var architecture = ArchitectureOption.Create("The network the weights belong to (with its original decoder unless --decoder).", required: true);
        var decoder = new Option<DecoderKind>("--decoder") { Description = "Decoder (default Original: the architecture's own).", DefaultValueFactory = _ => DecoderKind.Original };
        var alpha2 = new Option<int>("--espnet-alpha2") { Description = "ESPNet's p (ESP modules at level 2).", DefaultValueFactory = _ => new EspnetOptions().Alpha2 };
        var alpha3 = new Option<int>("--espnet-alpha3") { Description = "ESPNet's q (ESP modules at level 3).", DefaultValueFactory = _ => new EspnetOptions().Alpha3 };
        var level1Skip = new Option<EspnetLevel1Skip>("--espnet-level1-skip") { Description = "ESPNet decoder's stride-2 merge: Reinforced (train/Model.py, the CamVid weights) or Convolution (test/Model.py, the Cityscapes weights).", DefaultValueFactory = _ => EspnetLevel1Skip.Reinforced };
        var classes = new Option<string>("--classes") { Description = "Class names by output index: camvid, cityscapes or voc, comma-separated names, or a text file with one name per line.", Required = true };
        var voidOutputs = new Option<int>("--void-outputs") { Description = "Outputs after the classes that are no class (ESPNet's CamVid and Cityscapes models: 1); pixels predicted as one are 'no class' (255).", DefaultValueFactory = _ => 0 };
        var normalization = new NormalizationOptions();
        var output = new Option<string>("--out", "-o") { Description = "Model file to write.", DefaultValueFactory = _ => "model.zip" };
        var command = new Command("import", "Import a published network's PyTorch weights (name map per architecture, shapes checked, nothing left over) into an ML.NET model file.");
        foreach (var o in new Option[] { weights, architecture, decoder, alpha2, alpha3, level1Skip, classes, voidOutputs, output }) command.Options.Add(o);
        normalization.AddTo(command);
        CommandRunner.SetAction(command, env, (p, token) =>
        {
            var ml = new MLContext(seed: 1);
            string path = p.GetValue(weights)!, outPath = Path.GetFullPath(p.GetValue(output)!);
            if (!File.Exists(path)) throw new CliException($"--weights '{path}' does not exist.");
            SsnModelFile.RequireWritable(outPath);
            var options = new PyTorchImportOptions
            {
                Network = new SsnNetworkOptions
                {
                    Architecture = p.GetValue(architecture)!.Value, Decoder = p.GetValue(decoder),
                    ArchitectureOptions = p.GetValue(architecture) == Architecture.Espnet
                        ? new EspnetOptions { Alpha2 = p.GetValue(alpha2), Alpha3 = p.GetValue(alpha3), Level1Skip = p.GetValue(level1Skip) }
                        : null,
                },
                ClassNames = ClassNames(p.GetValue(classes)!),
                VoidOutputs = p.GetValue(voidOutputs),
                Normalization = normalization.Read(p, ImageNormalization.ImageNet),
            };
            using var model = ml.Segmentation().ImportPyTorch(path, options);
            SsnModelFile.Save(ml, model, null, outPath);
            env.Console.MarkupLine(Markup.Escape($"Imported {path}: {model.Model.Options.Architecture} network, {model.Model.state_dict().Count} tensors, " +
                                                 $"{options.ClassNames.Count} classes{(options.VoidOutputs > 0 ? $" + {options.VoidOutputs} void output(s)" : "")}, " +
                                                 $"{options.Normalization.ChannelOrder} input. Wrote {outPath}"));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>A dataset's class names (camvid, cityscapes, voc) or <see cref="DatasetSpec.ParseClasses"/>'s.</summary>
    internal static IReadOnlyList<string> ClassNames(string value) => value.ToLowerInvariant() switch
    {
        "camvid" => CamVidDataSource.ClassNamesList,
        "cityscapes" => CityscapesLabels.TrainClassNames,
        "voc" => PascalVocDataSource.ClassNamesList,
        _ => DatasetSpec.ParseClasses(value) ?? throw new CliException("--classes names no class."),
    };
}
