using System.CommandLine;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.Data;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Modeling.Import;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Samples.Commands;

/// <summary>
/// <c>export</c>: a trained model → an ONNX file that alone gives the class map (<c>labels</c>, <c>confidence</c> and the
/// stride-8 outputs, for any ONNX runtime), and beside it an ONNX Runtime-backed ML.NET model (<c>*-onnx.zip</c>) that
/// <c>mlContext.Model.Load</c> opens without libtorch. <c>--int8</c> quantises the encoder, calibrated on training images.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliEnvironment env)
    {
        var modelOption = new Option<string>("--model", "-m") { Description = "Model file (model.zip) of a TorchSharp model (train's or import's), or a pretrained model's name.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "ONNX file to write (the ML.NET model goes beside it as <name>-onnx.zip), or the weights alone: .safetensors under this project's PyTorch names, .pth (torch.save) under the architecture's reference names (ESPNet: the authors' Model.py).", DefaultValueFactory = _ => "model.onnx" };
        var opset = new Option<int>("--opset") { Description = "ONNX opset, 16–20.", DefaultValueFactory = _ => new SsnOnnxExportOptions().Opset };
        var int8 = new Option<bool>("--int8") { Description = "Quantise the encoder's convolutions to int8 (QDQ), with activation ranges calibrated on images of --calibration." };
        var images = new Option<int>("--calibration-images") { Description = "Calibration images (the first of the split, all of one size).", DefaultValueFactory = _ => 8 };
        var dataset = new DatasetOptions("train");
        dataset.Data.Aliases.Add("--calibration");
        var command = new Command("export", "Export a trained model to ONNX (fp32 or int8) and to an ONNX Runtime-backed ML.NET model, or its weights to safetensors for PyTorch.");
        command.Options.Add(modelOption);
        foreach (var o in new Option[] { output, opset, int8, images }) command.Options.Add(o);
        dataset.AddTo(command);
        CommandRunner.SetAction(command, env, (p, token) =>
        {
            var ml = new MLContext(seed: 1);
            string modelPath = p.GetValue(modelOption)!, onnxPath = Path.GetFullPath(p.GetValue(output)!);
            string zipPath = Path.Combine(Path.GetDirectoryName(onnxPath)!, Path.GetFileNameWithoutExtension(onnxPath) + "-onnx.zip");
            Microsoft.ML.DataViewSchema? inputSchema = null;
            using var model = !File.Exists(modelPath) && Models.PretrainedModels.Find(modelPath) is { } zoo
                ? zoo.Load(ml)
                : SsnModelFile.LoadTransformer<SpatialSamplingTransformer>(ml, modelPath, out inputSchema);
            string extension = Path.GetExtension(onnxPath).ToLowerInvariant();
            if (extension == ".safetensors")
            {
                NetworkWeights.SaveSafetensors(model.Model, onnxPath);
                env.Console.MarkupLine(Markup.Escape($"Wrote {onnxPath}: the network's weights under PyTorch state_dict names (ssn_torch/model.py), " +
                                                     $"its options in the header's {NetworkWeights.NetworkOptionsKey}"));
                return Task.FromResult(0);
            }
            if (extension is ".pth" or ".pt")
            {
                var map = ReferenceNameMap.ForArchitecture(model.Model.Options.Architecture);
                PyTorchCheckpoint.Write(onnxPath, ReferenceWeights.ToReference(model.Model, map));
                env.Console.MarkupLine(Markup.Escape($"Wrote {onnxPath}: a torch.save'd state_dict under the names of {map.Reference} (torch.load + load_state_dict)"));
                return Task.FromResult(0);
            }
            var network = model.Model.HasInstanceHead ? model.Model : throw new CliException(
                $"'{modelPath}' holds a {model.Model.Options.Architecture}/{model.Model.Options.Decoder} baseline; ONNX export covers the Spatial Sampling Network (.safetensors and .pth weights cover every architecture).");
            var options = new SsnOnnxExportOptions { Opset = p.GetValue(opset) };
            options.Validate();
            SsnModelFile.RequireWritable(zipPath);
            byte[] file, stride8;
            if (p.GetValue(int8))
            {
                var spec = dataset.Read(p);
                if (spec.Root is null && spec.Images is null) throw new CliException("--int8 needs calibration images: --calibration <dataset root> (and --format).");
                var (calibration, h, w) = CalibrationImages(spec.Open(ml), model.Normalization, p.GetValue(images), token);
                env.Console.MarkupLine(Markup.Escape($"Calibrating int8 ranges on {calibration.Count} images of {w}×{h}…"));
                file = SsnOnnxExporter.ExportInt8(network, calibration, h, w, options);
                stride8 = SsnOnnxExporter.ExportInt8(network, calibration, h, w, options with { FullResolutionOutputs = false });
            }
            else
            {
                file = SsnOnnxExporter.Export(network, options);
                stride8 = SsnOnnxExporter.Export(network, options with { FullResolutionOutputs = false });
            }
            Imaging.AtomicFile.WriteAllBytes(onnxPath, file);
            using (var onnx = new SsnOnnxTransformer(ml, stride8, model.ClassNames, model.Normalization, model.Options))
                SsnModelFile.Save(ml, onnx, inputSchema, zipPath);
            env.Console.MarkupLine(Markup.Escape($"Wrote {onnxPath} ({file.Length / 1e6:F1} MB, opset {options.Opset}{(p.GetValue(int8) ? ", int8 encoder" : "")}, " +
                                                 $"inputs '{SsnOnnxNames.Image}' [N, 3, H, W] normalised, H and W multiples of {SsnNetworkOptions.OutputStride}) and {zipPath}"));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Normalised CHW floats of the first <paramref name="count"/> images of the first image's size, cropped
    /// (top left) to a multiple of the output stride.</summary>
    private static (List<float[]> Images, int Height, int Width) CalibrationImages(SegmentationDataSource source, ImageNormalization normalization, int count, CancellationToken token)
    {
        if (count < 1) throw new CliException("--calibration-images must be at least 1.");
        var images = new List<float[]>();
        int h = 0, w = 0, sourceW = 0, sourceH = 0;
        for (int row = 0; row < source.Rows.Count && images.Count < count; row++)
        {
            token.ThrowIfCancellationRequested();
            var rgb = source.LoadImage(row);
            if (images.Count == 0)
            {
                (sourceW, sourceH) = (rgb.Width, rgb.Height);
                int stride = SsnNetworkOptions.OutputStride;
                (w, h) = (rgb.Width / stride * stride, rgb.Height / stride * stride);
                if (w == 0 || h == 0) throw new CliException($"Calibration image '{source.Rows[row].Image}' is {rgb.Width}×{rgb.Height}, smaller than {stride}×{stride}.");
            }
            else if (rgb.Width != sourceW || rgb.Height != sourceH) continue;
            var chw = new float[3 * sourceH * sourceW];
            normalization.ToChw(rgb, chw);
            var cropped = new float[3 * h * w];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    chw.AsSpan(c * sourceH * sourceW + y * sourceW, w).CopyTo(cropped.AsSpan(c * h * w + y * w, w));
            images.Add(cropped);
        }
        return (images, h, w);
    }
}
