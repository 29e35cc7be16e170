using Ssn.MLNet.Trainers.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Onnx;

/// <summary>
/// Tiny networks that look trained: non-zero guidance heads, non-trivial BatchNorm statistics and PReLU slopes.
/// Every value comes from a seeded <see cref="Random"/>, not libtorch's global generator, so that test classes
/// running in parallel (which reseed that generator) cannot change them.
/// </summary>
internal static class TestNetworks
{
    public static SegmentationModel Tiny(int numClasses = 5, int seed = 3, int steps = 10, float slopeScale = 0.5f) =>
        LookingTrained(SsnNetworkOptions.Tiny(numClasses) with { SamplingSteps = steps }, seed, slopeScale);

    /// <summary>The network of <paramref name="options"/> (with instance head) with the seeded, trained-looking values of <see cref="Tiny"/>, in eval mode.</summary>
    public static SegmentationModel LookingTrained(SsnNetworkOptions options, int seed = 3, float slopeScale = 0.5f)
    {
        var rng = new Random(seed);
        Tensor Uniform(Tensor like, double low, double high)
        {
            var values = new float[like.numel()];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(low + (high - low) * rng.NextDouble());
            return tensor(values, like.shape);
        }
        var network = SegmentationModels.Create(options);
        using (no_grad())
        {
            foreach (var (_, m) in network.named_modules())
            {
                if (m is Conv2d conv)
                {
                    double bound = 1 / Math.Sqrt(conv.weight!.shape[1] * conv.weight.shape[2] * conv.weight.shape[3]);
                    conv.weight.copy_(Uniform(conv.weight, -bound, bound));
                    conv.bias?.copy_(Uniform(conv.bias, -bound, bound));
                }
                else if (m is BatchNorm2d bn)
                {
                    bn.running_mean!.copy_(Uniform(bn.running_mean, -0.3, 0.3));
                    bn.running_var!.copy_(Uniform(bn.running_var, 0.5, 1.5));
                    bn.weight!.copy_(Uniform(bn.weight, 0.5, 1.5));
                    bn.bias!.copy_(Uniform(bn.bias, -0.15, 0.15));
                }
                else if (m is PReLU p) p.weight!.copy_(Uniform(p.weight, 0, slopeScale));
            }
            foreach (var head in new[] { network.GuidedDecoder!.GuidanceHead, network.InstanceGuidanceHead! })
            {
                head.weight!.copy_(Uniform(head.weight, -0.8, 0.8));
                head.bias!.copy_(Uniform(head.bias, -0.5, 0.5));
            }
        }
        network.eval();
        return network;
    }

    /// <summary>
    /// A 19-class <see cref="Tiny"/> network whose class head is sharpened (×5) and shifted towards "car" (+2): its class
    /// maps split an image between car and another class along long boundaries, where reduced precision or another
    /// backend could disagree (the plain <see cref="Tiny"/> network predicts one class almost everywhere).
    /// </summary>
    public static SegmentationModel TwoClassTiny()
    {
        var network = Tiny(numClasses: 19);
        using (no_grad())
        {
            network.GuidedDecoder!.ClassHead.weight!.mul_(5);
            network.GuidedDecoder.ClassHead.bias![13].add_(2);
        }
        return network;
    }

    /// <summary>
    /// A Cityscapes-class (19) transformer of <see cref="TwoClassTiny"/>: its class head is sharpened (×5) and shifted
    /// towards "car" (+2), so that on the synthetic street scenes of the tests it splits the image between car and another
    /// class with long boundaries (about 190 label changes per 128×64 row, 12–88 % car) and predicts instances (extracted
    /// from 10 pixels on) to compare between backends. (A +3 shift alone made every pixel car: agreement was certain.)
    /// </summary>
    public static Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer CarTransformer(Microsoft.ML.MLContext ml)
    {
        var network = TwoClassTiny();
        return new Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer(ml, network, Ssn.MLNet.Data.CityscapesLabels.TrainClassNames,
            options: new Ssn.MLNet.Transforms.SpatialSamplingTransformerOptions { InstanceExtraction = new() { MinArea = 10 } });
    }

    /// <summary>Synthetic street scenes <paramref name="first"/>… of <paramref name="split"/> as ImageNet-normalised CHW floats (not written to disk).</summary>
    public static List<float[]> StreetScenes(int count, int height, int width, string split = "val", int first = 0)
    {
        var generator = new Ssn.MLNet.Data.Synthetic.SyntheticCityscapesGenerator(new Ssn.MLNet.Data.Synthetic.SyntheticCityscapesOptions { Width = width, Height = height, Seed = 4 });
        return Enumerable.Range(first, count).Select(i =>
        {
            var chw = new float[3 * height * width];
            Ssn.MLNet.Transforms.ImageNormalization.ImageNet.ToChw(generator.Render(split, i).Image, chw);
            return chw;
        }).ToList();
    }

    /// <summary>Pooled label agreement of two prediction lists, after checking that the reference is no one-class map
    /// (its second class covers at least 10 % of the pixels), so that a threshold above 90 % can fail.</summary>
    public static double LabelAgreement(IReadOnlyList<byte[]> reference, IReadOnlyList<byte[]> other)
    {
        var a = reference.SelectMany(l => l).ToArray();
        var b = other.SelectMany(l => l).ToArray();
        Assert.HasCount(a.Length, b);
        var shares = a.GroupBy(l => l).Select(g => g.Count() / (double)a.Length).OrderDescending().ToArray();
        Assert.IsTrue(shares.Length >= 2 && shares[1] >= 0.10, $"class shares {string.Join(", ", shares.Select(f => f.ToString("P0")))}: a one-class map makes agreement meaningless");
        return a.Zip(b).Count(p => p.First == p.Second) / (double)a.Length;
    }

    /// <summary>A deterministic normal-looking image <c>[1, 3, height, width]</c>.</summary>
    public static Tensor Image(int height, int width, int seed = 7)
    {
        var rng = new Random(seed);
        var values = new float[3 * height * width];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return tensor(values, new long[] { 1, 3, height, width });
    }
}
