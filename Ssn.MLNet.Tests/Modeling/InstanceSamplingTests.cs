using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>
/// The instance module on a hand-made perfect guidance field (every vector points towards its instance centre,
/// clamped to [−1, 1] as tanh would): after enough steps the centre spreads over each whole instance (paper §4,
/// Fig. 4); with too few steps it does not (Table 6's effect).
/// </summary>
[TestClass]
public sealed class InstanceSamplingTests
{
    private const int H = 24, W = 32, Stride = 8, Car = 13;
    // Instances as rectangles in encoder pixels: (x0, y0, x1, y1) inclusive.
    private static readonly (int X0, int Y0, int X1, int Y1)[] Boxes = { (2, 3, 9, 10), (14, 2, 27, 7), (5, 14, 12, 21), (18, 12, 29, 22) };

    private static (Tensor Guidance, int[] Owner) PerfectField()
    {
        var g = new float[2 * H * W];
        var owner = new int[H * W];
        for (int k = 0; k < Boxes.Length; k++)
        {
            var (x0, y0, x1, y1) = Boxes[k];
            double cx = (x0 + x1) / 2.0, cy = (y0 + y1) / 2.0;
            for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                g[y * W + x] = (float)Math.Clamp(cx - x, -1, 1);
                g[H * W + y * W + x] = (float)Math.Clamp(cy - y, -1, 1);
                owner[y * W + x] = k + 1;
            }
        }
        return (tensor(g).view(1, 2, H, W), owner);
    }

    [TestMethod]
    public void EnoughStepsSpreadEachCentreOverItsWholeInstance()
    {
        using var scope = NewDisposeScope();
        var (guidance, owner) = PerfectField();
        var centres = new InstanceSamplingModule().forward(guidance, 30);
        var cx = centres[0, 0].data<float>().ToArray();
        var cy = centres[0, 1].data<float>().ToArray();
        for (int i = 0; i < H * W; i++)
        {
            if (owner[i] == 0) continue;
            var (x0, y0, x1, y1) = Boxes[owner[i] - 1];
            double ex = SamplingCoordinates.ToPixel(cx[i], W) - (x0 + x1) / 2.0, ey = SamplingCoordinates.ToPixel(cy[i], H) - (y0 + y1) / 2.0;
            Assert.IsTrue(Math.Abs(ex) < 0.5 && Math.Abs(ey) < 0.5, $"pixel {i % W},{i / W}: centre off by ({ex:F3}, {ey:F3}) cells");
        }
        var recovered = Extract(centres, owner);
        AssertExactlyRecovered(recovered, owner);
    }

    [TestMethod]
    public void TooFewStepsDoNotRecoverTheInstances()
    {
        using var scope = NewDisposeScope();
        var (guidance, owner) = PerfectField();
        var centres = new InstanceSamplingModule().forward(guidance, 2);
        var recovered = Extract(centres, owner);
        Assert.AreNotEqual(Boxes.Length, recovered.Instances.Count, "two steps should leave the larger instances split into several groups");
    }

    /// <summary>Upsample the centres (nearest, as at test time) ×8 and extract with car labels on instance pixels.</summary>
    private static InstanceExtractionResult Extract(Tensor centres, int[] owner)
    {
        var igum = new ImprovedGuidedUpsampling();
        var full = igum.forward(centres, zeros(1, 2, H, W), H * Stride, W * Stride, GridSampleMode.Nearest);
        var labels = new byte[H * Stride * W * Stride];
        for (int y = 0; y < H * Stride; y++)
        for (int x = 0; x < W * Stride; x++)
            labels[y * W * Stride + x] = owner[y / Stride * W + x / Stride] > 0 ? (byte)Car : (byte)0;
        return InstanceExtractor.Extract(full[0, 0].data<float>().ToArray(), full[0, 1].data<float>().ToArray(), labels,
            ReadOnlySpan<float>.Empty, W * Stride, H * Stride);
    }

    private static void AssertExactlyRecovered(InstanceExtractionResult result, int[] owner)
    {
        Assert.AreEqual(Boxes.Length, result.Instances.Count, "instance count");
        var pairs = new Dictionary<int, int>(); // predicted id → ground-truth owner
        for (int y = 0; y < H * Stride; y++)
        for (int x = 0; x < W * Stride; x++)
        {
            int truth = owner[y / Stride * W + x / Stride], predicted = result.InstanceIds[y * W * Stride + x];
            Assert.AreEqual(truth == 0, predicted == 0, $"pixel {x},{y}: instance membership differs");
            if (truth == 0) continue;
            if (pairs.TryGetValue(predicted, out int seen)) Assert.AreEqual(seen, truth, $"predicted instance {predicted} spans two true instances");
            else pairs[predicted] = truth;
        }
        Assert.AreEqual(Boxes.Length, pairs.Values.Distinct().Count(), "each true instance maps to its own prediction");
        foreach (var inst in result.Instances)
        {
            var (x0, y0, x1, y1) = Boxes[pairs[inst.Id] - 1];
            Assert.AreEqual(Car, inst.ClassId);
            Assert.AreEqual((x1 - x0 + 1) * (y1 - y0 + 1) * Stride * Stride, inst.Area);
            Assert.AreEqual((x0 * Stride, y0 * Stride), (inst.X, inst.Y));
        }
    }
}
