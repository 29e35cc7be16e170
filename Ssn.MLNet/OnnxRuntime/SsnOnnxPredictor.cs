using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling;

namespace Ssn.MLNet.OnnxRuntime;

/// <summary>
/// Inference through ONNX Runtime, with no libtorch: the exported encoder, heads and instance module (paper §4–§5)
/// run in ONNX Runtime; iGUM's full-resolution class map (§3.1) and instance extraction by thresholding (§4) run
/// in C# (the TorchSharp <c>SegmentationPredictor</c>'s fused pass), so the results match the TorchSharp predictor's.
/// Thread-safe (ONNX Runtime sessions are; the C# post-processing keeps no state).
/// </summary>
public sealed class SsnOnnxPredictor : ISegmentationPredictor
{
    private static readonly string[] Outputs = { SsnOnnxNames.Logits, SsnOnnxNames.Guidance, SsnOnnxNames.Centres };
    private readonly InferenceSession session;

    /// <summary>Loads an exported model (<c>SsnOnnxExporter</c> (Ssn.MLNet); best exported with
    /// <see cref="SsnOnnxExportOptions.FullResolutionOutputs"/> = false, which this predictor does not need).</summary>
    /// <param name="onnxModel">The ONNX model bytes.</param>
    /// <param name="extraction">Instance extraction options (default <see cref="InstanceExtractionOptions"/>).</param>
    /// <param name="options">ONNX Runtime session options (default <see cref="SsnOnnxSessionOptions"/>).</param>
    public SsnOnnxPredictor(byte[] onnxModel, InstanceExtractionOptions? extraction = null, SsnOnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        Extraction = extraction ?? new InstanceExtractionOptions();
        Extraction.Validate();
        SessionOptions = options ?? new SsnOnnxSessionOptions();
        ModelBytes = onnxModel;
        using var so = SessionOptions.Create();
        try
        {
            session = new InferenceSession(onnxModel, so);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load the model ({onnxModel.Length} bytes): {e.Message}", e);
        }
        var metadata = session.ModelMetadata.CustomMetadataMap;
        string Meta(string key) => metadata.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"The ONNX model lacks metadata '{key}': export it with SsnOnnxExporter.");
        NumClasses = int.Parse(Meta(SsnOnnxNames.ClassesKey), CultureInfo.InvariantCulture);
        GuidanceOffsetScale = double.Parse(Meta(SsnOnnxNames.GuidanceOffsetScaleKey), CultureInfo.InvariantCulture);
        foreach (var name in Outputs.Append(SsnOnnxNames.Image))
            if (!session.OutputNames.Contains(name) && !session.InputNames.Contains(name))
                throw new InvalidDataException($"The ONNX model has no input or output named '{name}'.");
    }

    /// <summary>The ONNX model.</summary>
    public byte[] ModelBytes { get; }

    /// <summary>Number of classes (from the model's metadata).</summary>
    public int NumClasses { get; }

    /// <summary>iGUM guidance offset unit (from the model's metadata).</summary>
    public double GuidanceOffsetScale { get; }

    /// <summary>Instance extraction options.</summary>
    public InstanceExtractionOptions Extraction { get; }

    /// <summary>ONNX Runtime session options.</summary>
    public SsnOnnxSessionOptions SessionOptions { get; }

    /// <inheritdoc />
    public IReadOnlyList<SsnPrediction> Predict(ReadOnlySpan<float> images, int batch, int height, int width, bool includeScores = false) =>
        DenseMaps.ToPredictions(PredictMaps(images, batch, height, width, includeScores), width, height, Extraction);

    /// <summary>Dense maps per image (labels, confidence, centres, scores), before instance extraction; arguments as <see cref="Predict"/>.</summary>
    /// <param name="images">The images.</param>
    /// <param name="batch">Number of images.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="includeScores">Also return the per-class probability maps.</param>
    public DenseMaps[] PredictMaps(
        ReadOnlySpan<float> images, int batch, int height, int width, bool includeScores)
    {
        ImageBatch.Check(images, batch, height, width);
        int stride = NetworkGeometry.OutputStride;
        int ph = (int)NetworkGeometry.PaddedSize(height), pw = (int)NetworkGeometry.PaddedSize(width);
        float[] input;
        if (ph == height && pw == width) input = images.ToArray();
        else
        {
            // Zero padding at the bottom and right, as SegmentationModel.forward does.
            input = new float[batch * 3 * ph * pw];
            for (int p = 0; p < batch * 3; p++)
                for (int y = 0; y < height; y++)
                    images.Slice((p * height + y) * width, width).CopyTo(input.AsSpan((p * ph + y) * pw, width));
        }
        using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, 3, ph, pw });
        using var run = new RunOptions();
        using var outputs = session.Run(run, new[] { SsnOnnxNames.Image }, new[] { value }, Outputs);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        var guidance = outputs[1].GetTensorDataAsSpan<float>();
        var centres = outputs[2].GetTensorDataAsSpan<float>();
        int lh = ph / stride, lw = pw / stride, plane = lh * lw, c = NumClasses;
        var result = new DenseMaps[batch];
        for (int i = 0; i < batch; i++)
            result[i] = GuidedClassMap.Compute(logits.Slice(i * c * plane, c * plane), guidance.Slice(i * 2 * plane, 2 * plane),
                centres.Slice(i * 2 * plane, 2 * plane), c, lh, lw, ph, pw, height, width, GuidanceOffsetScale, includeScores);
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => session.Dispose();
}
