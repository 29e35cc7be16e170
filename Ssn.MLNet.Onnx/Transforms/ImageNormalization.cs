using Microsoft.ML.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// How images become network input: RGB scaled to [0, 1], then normalised per channel with a mean and standard
/// deviation (default: the ImageNet statistics most segmentation networks use). Stored with a trained model so
/// that inference normalises exactly as training did.
/// </summary>
/// <param name="Mean">Per-channel mean (R, G, B) of [0, 1] pixel values.</param>
/// <param name="Std">Per-channel standard deviation (R, G, B).</param>
public sealed record ImageNormalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225).</summary>
    public static ImageNormalization ImageNet { get; } = new(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });

    /// <summary>Writes <paramref name="image"/> as normalised CHW floats into <paramref name="destination"/> (3 × H × W).</summary>
    public void ToChw(MLImage image, Span<float> destination) => RgbImage.CopyToChw(image, destination, Mean, Std);

    /// <summary>Writes <paramref name="image"/> as normalised CHW floats into <paramref name="destination"/> (3 × H × W).</summary>
    public void ToChw(RgbImage image, Span<float> destination) => image.CopyToChw(destination, Mean, Std);

    /// <summary>Normalises CHW floats in [0, 1] (3 planes of <paramref name="plane"/> values) in place.</summary>
    public void NormalizeInPlace(Span<float> chw, int plane)
    {
        for (int c = 0; c < 3; c++)
        {
            float scale = 1f / Std[c], shift = Mean[c] / Std[c];
            foreach (ref float v in chw.Slice(c * plane, plane)) v = v * scale - shift;
        }
    }
}
