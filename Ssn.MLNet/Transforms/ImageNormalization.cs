using Microsoft.ML.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// How images become network input: the channels in <see cref="ChannelOrder"/>, scaled to [0, 1], then normalised per
/// channel, <c>(value / 255 − Mean[c]) / Std[c]</c> (default: RGB with the ImageNet statistics most segmentation
/// networks use). It belongs to the model: stored in the model file and applied by every engine, so that inference
/// normalises exactly as training did — for an imported network, as its authors' training code did.
/// </summary>
/// <param name="Mean">Per-channel mean of [0, 1] pixel values, in <paramref name="ChannelOrder"/>.</param>
/// <param name="Std">Per-channel standard deviation, in <paramref name="ChannelOrder"/>.</param>
/// <param name="ChannelOrder">Order of the colour planes the network takes (default RGB; OpenCV-trained networks such as ESPNet take BGR).</param>
public sealed record ImageNormalization(float[] Mean, float[] Std, ChannelOrder ChannelOrder = ChannelOrder.Rgb)
{
    /// <summary>ImageNet mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225).</summary>
    public static ImageNormalization ImageNet { get; } = new(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });

    /// <summary>Writes <paramref name="image"/> as normalised CHW floats into <paramref name="destination"/> (3 × H × W).</summary>
    public void ToChw(MLImage image, Span<float> destination) => RgbImage.CopyToChw(image, destination, Mean, Std, ChannelOrder);

    /// <summary>Writes <paramref name="image"/> as normalised CHW floats into <paramref name="destination"/> (3 × H × W).</summary>
    public void ToChw(RgbImage image, Span<float> destination) => image.CopyToChw(destination, Mean, Std, ChannelOrder);

    /// <summary>Normalises RGB CHW floats in [0, 1] (3 planes of <paramref name="plane"/> values) in place, reordering the planes to <see cref="ChannelOrder"/>.</summary>
    public void NormalizeInPlace(Span<float> chw, int plane)
    {
        if (ChannelOrder == ChannelOrder.Bgr)
        {
            var red = chw[..plane].ToArray();
            chw.Slice(2 * plane, plane).CopyTo(chw[..plane]);
            red.CopyTo(chw.Slice(2 * plane, plane));
        }
        for (int c = 0; c < 3; c++)
        {
            float scale = 1f / Std[c], shift = Mean[c] / Std[c];
            foreach (ref float v in chw.Slice(c * plane, plane)) v = v * scale - shift;
        }
    }
}

/// <summary>Order of the colour planes a network takes.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (PIL, torchvision, ML.NET's ImageNet models).</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV's <c>imread</c>; the ESPNet authors' training code).</summary>
    Bgr,
}
