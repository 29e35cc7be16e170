namespace Ssn.MLNet.Data.Synthetic;

/// <summary>Options of <see cref="SyntheticCityscapesGenerator"/>.</summary>
public sealed class SyntheticCityscapesOptions
{
    /// <summary>Image width in pixels. Default 512 (Cityscapes 2048 / 4).</summary>
    public int Width { get; set; } = 512;

    /// <summary>Image height in pixels. Default 256 (Cityscapes 1024 / 4).</summary>
    public int Height { get; set; } = 256;

    /// <summary>Number of images in the <c>train</c> split. Default 200.</summary>
    public int TrainCount { get; set; } = 200;

    /// <summary>Number of images in the <c>val</c> split. Default 50.</summary>
    public int ValCount { get; set; } = 50;

    /// <summary>Seed of the whole dataset; the same seed and options give byte-identical files. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Whether to also write the <c>*_gtFine_color.png</c> visualisations. Default <c>true</c>.</summary>
    public bool WriteColorImages { get; set; } = true;

    /// <summary>Standard deviation of the Gaussian sensor noise, in 8-bit grey levels (scaled per image by
    /// 0.5–1.5). Default 4.</summary>
    public float NoiseStdDev { get; set; } = 4f;

    /// <summary>Images rendered at once; results do not depend on it. Default: the number of processors.</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    internal void Validate()
    {
        if (Width < 32) throw new ArgumentOutOfRangeException(nameof(Width), Width, "Width must be at least 32 pixels.");
        if (Height < 32) throw new ArgumentOutOfRangeException(nameof(Height), Height, "Height must be at least 32 pixels.");
        if ((long)Width * Height > 64L * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(Width), $"{Width}×{Height} is too large.");
        if (TrainCount < 0) throw new ArgumentOutOfRangeException(nameof(TrainCount), TrainCount, "TrainCount must not be negative.");
        if (ValCount < 0) throw new ArgumentOutOfRangeException(nameof(ValCount), ValCount, "ValCount must not be negative.");
        if (TrainCount > 999_999 || ValCount > 999_999) throw new ArgumentOutOfRangeException(nameof(TrainCount), "At most 999999 images per split.");
        if (!(NoiseStdDev >= 0)) throw new ArgumentOutOfRangeException(nameof(NoiseStdDev), NoiseStdDev, "NoiseStdDev must be ≥ 0.");
        if (MaxDegreeOfParallelism < 1) throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be ≥ 1.");
    }
}
