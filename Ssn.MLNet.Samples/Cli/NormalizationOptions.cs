using System.CommandLine;
using System.Globalization;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>
/// <c>--channel-order --mean --std</c>: the input normalisation a model is trained with and carries (<c>import</c> and
/// <c>train</c>). The network sees <c>(value / 255 − mean) / std</c> per channel, in the channel order given.
/// </summary>
internal sealed class NormalizationOptions
{
    private readonly Option<ChannelOrder?> order = new("--channel-order") { Description = "Colour order the network takes: Rgb or Bgr (OpenCV-trained networks such as ESPNet). Default: the base's (RGB)." };
    private readonly Option<string?> mean = new("--mean") { Description = "Per-channel mean of [0, 1] pixel values in --channel-order, 3 comma-separated numbers (default ImageNet's)." };
    private readonly Option<string?> std = new("--std") { Description = "Per-channel standard deviation in --channel-order, 3 comma-separated numbers (default ImageNet's)." };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { order, mean, std }) command.Options.Add(o);
    }

    /// <summary><paramref name="basis"/> with what the command line gives.</summary>
    public ImageNormalization Read(ParseResult p, ImageNormalization basis) => new(
        Triple(p.GetValue(mean), "--mean") ?? basis.Mean,
        Triple(p.GetValue(std), "--std") ?? basis.Std,
        p.GetValue(order) ?? basis.ChannelOrder);

    private static float[]? Triple(string? value, string option)
    {
        if (value is null) return null;
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        if (parts.Length != 3 || !parts.Select((x, i) => float.TryParse(x, CultureInfo.InvariantCulture, out values[i]) && float.IsFinite(values[i])).All(ok => ok))
            throw new CliException($"{option} '{value}' must be 3 comma-separated numbers.");
        if (option == "--std" && values.Any(v => v <= 0)) throw new CliException($"--std '{value}' must be positive.");
        return values;
    }
}
