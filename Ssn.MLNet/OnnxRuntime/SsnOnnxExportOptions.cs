namespace Ssn.MLNet.OnnxRuntime;

/// <summary>Options of <c>SsnOnnxExporter</c>.</summary>
public sealed record SsnOnnxExportOptions
{
    /// <summary>ONNX opset (16–20; default 17). <c>GridSample</c> needs 16; opset 20 spells its mode <c>linear</c>.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>
    /// Also write the full-resolution outputs (default true): iGUM's guided grid, the class map
    /// (<see cref="SsnOnnxNames.Labels"/>, <see cref="SsnOnnxNames.Confidence"/>) and the nearest-upsampled instance
    /// centres (<see cref="SsnOnnxNames.FullCentres"/>), so the file alone gives a class map (for
    /// <c>ApplyOnnxModel</c>). False writes only the stride-8 outputs; SsnOnnxPredictor then does
    /// the upsampling, argmax and extraction in C# (faster).
    /// </summary>
    public bool FullResolutionOutputs { get; init; } = true;

    /// <summary>Sampling steps t unrolled into the graph (default: the network's <c>SamplingSteps</c>).</summary>
    public int? SamplingSteps { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the invalid option.</summary>
    public void Validate()
    {
        if (Opset is < 16 or > 20) throw new ArgumentOutOfRangeException(nameof(Opset), Opset, "The exporter writes opsets 16 to 20 (GridSample needs 16).");
        if (SamplingSteps is <= 0) throw new ArgumentOutOfRangeException(nameof(SamplingSteps), SamplingSteps, "The number of sampling steps t must be positive.");
    }
}

/// <summary>Names of the inputs and outputs of an exported Spatial Sampling Network.</summary>
public static class SsnOnnxNames
{
    /// <summary>Input: normalised images <c>[N, C, H, W]</c> float, H and W multiples of 8.</summary>
    public const string Image = "image";

    /// <summary>Output: class logits at stride 8 <c>[N, classes, H/8, W/8]</c>.</summary>
    public const string Logits = "logits";

    /// <summary>Output: iGUM guidance offsets table (after tanh) <c>[N, 2, H/8, W/8]</c>.</summary>
    public const string Guidance = "guidance";

    /// <summary>Output: instance guidance offsets table (after tanh) <c>[N, 2, H/8, W/8]</c>.</summary>
    public const string InstanceGuidance = "instance_guidance";

    /// <summary>Output: instance centres after t sampling steps at stride 8 <c>[N, 2, H/8, W/8]</c> (normalised x, y).</summary>
    public const string Centres = "centres";

    /// <summary>Output (full resolution): predicted train id per pixel <c>[N, H, W]</c>, int64.</summary>
    public const string Labels = "labels";

    /// <summary>Output (full resolution): softmax probability of the predicted class <c>[N, H, W]</c>.</summary>
    public const string Confidence = "confidence";

    /// <summary>Model metadata key: number of classes.</summary>
    public const string ClassesKey = "ssn.num_classes";

    /// <summary>Model metadata key: iGUM guidance offset unit, in low-resolution pixels (needed to rebuild iGUM's grid).</summary>
    public const string GuidanceOffsetScaleKey = "ssn.guidance_offset_scale";

    /// <summary>Model metadata key: unrolled sampling steps t.</summary>
    public const string SamplingStepsKey = "ssn.sampling_steps";

    /// <summary>Output (full resolution): instance centres upsampled by iGUM, nearest <c>[N, 2, H, W]</c>.</summary>
    public const string FullCentres = "full_centres";
}
