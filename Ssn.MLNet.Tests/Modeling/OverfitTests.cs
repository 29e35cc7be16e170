using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>The tiny network must be able to memorise two small images: a check that all parts learn together.</summary>
[TestClass]
[DoNotParallelize] // seeded initialisation needs libtorch's process-wide generator to itself
public sealed class OverfitTests
{
    private const int Size = 64, Classes = 4;

    /// <summary>Two images: background (0), a block (1), a disc (2) and a thin diagonal bar (3), each with its own colour plus noise.</summary>
    private static (Tensor Images, Tensor Labels, Tensor Ids) TwoImages()
    {
        var rng = new Random(5);
        var img = new float[2 * 3 * Size * Size];
        var lab = new long[2 * Size * Size];
        var ids = new int[2 * Size * Size];
        float[][] colour = { new[] { 0.2f, 0.3f, 0.2f }, new[] { 0.9f, 0.1f, 0.1f }, new[] { 0.1f, 0.2f, 0.9f }, new[] { 0.9f, 0.9f, 0.2f } };
        for (int b = 0; b < 2; b++)
        for (int y = 0; y < Size; y++)
        for (int x = 0; x < Size; x++)
        {
            int c = 0, id = 0;
            if (b == 0 ? x is >= 8 and < 30 && y is >= 10 and < 40 : x is >= 34 and < 60 && y is >= 30 and < 50) { c = 1; id = 26001; }
            int dx = x - (b == 0 ? 44 : 18), dy = y - (b == 0 ? 44 : 20);
            if (dx * dx + dy * dy < (b == 0 ? 120 : 160)) { c = 2; id = 24001; }
            if (Math.Abs(x - y - (b == 0 ? 10 : -20)) <= 1) { c = 3; id = 0; }
            int p = b * Size * Size + y * Size + x;
            lab[p] = c;
            ids[p] = id;
            for (int ch = 0; ch < 3; ch++)
                img[(b * 3 + ch) * Size * Size + y * Size + x] = colour[c][ch] + (float)(rng.NextDouble() - 0.5) * 0.2f;
        }
        return (tensor(img).view(2, 3, Size, Size), tensor(lab).view(2, Size, Size), tensor(ids).view(2, Size, Size));
    }

    [TestMethod]
    public void TinyNetworkOverfitsTwoImages()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var (images, labels, ids) = TwoImages();
        var (targets, mask) = TestData.CentreTargets(ids);
        using var net = SegmentationModels.Create(SsnNetworkOptions.Tiny(Classes));
        var optimizer = optim.Adam(net.parameters(), lr: 1e-2);
        var loss = new SsnLoss();
        double firstInstanceLoss = double.NaN, lastInstanceLoss = double.NaN;
        net.train();
        for (int step = 0; step < 300; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            using var output = net.ForwardHeads(images);
            using var parts = loss.Compute(net.Decode(output, GridSampleMode.Bilinear).Logits, labels,
                net.Decode(output, GridSampleMode.Bilinear).Centres!, targets, mask, 8, 8);
            parts.Total.backward();
            optimizer.step();
            if (step == 0) firstInstanceLoss = parts.Instance!.item<float>();
            lastInstanceLoss = parts.Instance!.item<float>();
        }

        net.eval();
        using var _ = no_grad();
        using var final = net.ForwardHeads(images);
        var predicted = net.Decode(final, GridSampleMode.Bilinear).Logits.argmax(1);
        double accuracy = predicted.eq(labels).to(float32).mean().item<float>();
        double thinAccuracy = predicted.eq(labels).masked_select(labels.eq(3)).to(float32).mean().item<float>();
        Console.WriteLine($"pixel accuracy {accuracy:F4}, thin-bar accuracy {thinAccuracy:F4}, instance loss {firstInstanceLoss:F3} → {lastInstanceLoss:F3}");
        Assert.IsTrue(accuracy >= 0.95, $"pixel accuracy {accuracy:F4} < 0.95");
        Assert.IsTrue(lastInstanceLoss < 0.5 * firstInstanceLoss, $"instance loss did not halve: {firstInstanceLoss:F3} → {lastInstanceLoss:F3}");
    }
}
