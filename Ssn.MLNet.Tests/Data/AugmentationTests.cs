using Ssn.MLNet.Data.Augmentation;

namespace Ssn.MLNet.Tests.Data;

[TestClass]
public sealed class AugmentationTests
{
    /// <summary>Blocks of 6×6 pixels; each block has its own label and a red value = label / 255 that encodes it.</summary>
    private static SegmentationSample Blocks(int w = 36, int h = 24)
    {
        int n = w * h;
        var image = new float[3 * n];
        var label = new byte[n];
        var inst = new int[n];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                byte l = (byte)((y / 6) * 10 + x / 6);
                label[i] = l;
                inst[i] = 24000 + l;
                image[i] = l / 255f;
                image[n + i] = 0.5f;
                image[2 * n + i] = x / (float)w;
            }
        return new SegmentationSample(w, h, image, label, inst);
    }

    [TestMethod]
    public void LowerResolutionScalesTheRandomScalesAndTheCropToMultiplesOf8()
    {
        var o = new AugmentationOptions { MinScale = 0.75f, MaxScale = 1.5f, CropWidth = 384, CropHeight = 288, FlipProbability = 0.3 };
        var half = o.AtResolution(0.5);
        Assert.AreEqual((192, 144, 0.375f, 0.75f), (half.CropWidth, half.CropHeight, half.MinScale, half.MaxScale));
        Assert.AreEqual(0.3, half.FlipProbability, "the rest is kept");
        Assert.AreEqual((384, 288, 0.75f), (o.CropWidth, o.CropHeight, o.MinScale), "the original is unchanged");
        var odd = new AugmentationOptions { CropWidth = 100, CropHeight = 60 }.AtResolution(0.5);
        Assert.AreEqual((48, 32), (odd.CropWidth, odd.CropHeight), "50 → 48, 30 → 32");
        Assert.ThrowsExactly<InvalidOperationException>(() => new AugmentationOptions().AtResolution(0.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.AtResolution(1.5));
        var sample = new SegmentationAugmenter(half).Apply(Blocks(400, 300), new Random(3));
        Assert.AreEqual((192, 144), (sample.Width, sample.Height));
    }

    [TestMethod]
    public void FlippedImageRegionStillMatchesItsLabelRegion()
    {
        SegmentationSample s = Blocks();
        SegmentationSample f = SegmentationTransforms.FlipHorizontal(s);
        int n = s.Width * s.Height;
        int matched = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.AreEqual(f.Label[i], (byte)MathF.Round(f.Image[i] * 255f));
            Assert.AreEqual(24000 + f.Label[i], f.Instances![i]);
            if (f.Label[i] == 0) { matched++; Assert.IsTrue(i % s.Width >= s.Width - 6, "label 0 moved to the right edge"); }
        }
        Assert.AreEqual(36, matched);
        var twice = SegmentationTransforms.FlipHorizontal(f);
        CollectionAssert.AreEqual(s.Image, twice.Image);
        CollectionAssert.AreEqual(s.Label, twice.Label);
    }

    [TestMethod]
    public void ScaleAndCropKeepsLabelsOnTheirPixelsAndPadsWithIgnore()
    {
        SegmentationSample s = Blocks();
        foreach (var (scale, ox, oy) in new[] { (2f, 10, 7), (0.5f, -5, -3), (1.37f, 3, 11), (0.8f, 0, 0) })
        {
            SegmentationSample c = SegmentationTransforms.ScaleAndCrop(s, scale, ox, oy, 30, 20);
            int interior = 0, padded = 0;
            for (int y = 1; y < 19; y++)
                for (int x = 1; x < 29; x++)
                {
                    int i = y * 30 + x;
                    byte l = c.Label[i];
                    if (l == 255) { padded++; Assert.AreEqual(0f, c.Image[i]); Assert.AreEqual(0, c.Instances![i]); continue; }
                    Assert.AreEqual(24000 + l, c.Instances![i]);
                    // Away from block edges, bilinear colour equals the block's code: image and label are aligned.
                    if (c.Label[i - 1] == l && c.Label[i + 1] == l && c.Label[i - 30] == l && c.Label[i + 30] == l &&
                        c.Label[i - 31] == l && c.Label[i + 31] == l && c.Label[i - 29] == l && c.Label[i + 29] == l)
                    {
                        interior++;
                        Assert.AreEqual(l / 255f, c.Image[i], 0.5f / 255f, $"scale {scale} at ({x}, {y})");
                    }
                }
            Assert.IsTrue(interior > 20, $"scale {scale}: {interior} interior pixels");
            if (scale == 0.5f) Assert.IsTrue(padded > 100, "an image smaller than the crop is padded with 255");
        }
    }

    [TestMethod]
    public void AugmenterIsDeterministicPerSeedAndKeepsAlignment()
    {
        var aug = new SegmentationAugmenter(new AugmentationOptions { CropWidth = 24, CropHeight = 16, Brightness = 0, Contrast = 0, Saturation = 0 });
        SegmentationSample s = Blocks();
        var a = aug.Apply(s, new Random(5));
        var b = aug.Apply(s, new Random(5));
        CollectionAssert.AreEqual(a.Image, b.Image);
        CollectionAssert.AreEqual(a.Label, b.Label);
        Assert.AreEqual(24, a.Width);
        Assert.AreEqual(16, a.Height);
        bool anyDifferent = false;
        for (int seed = 6; seed < 12; seed++)
        {
            var c = aug.Apply(s, new Random(seed));
            anyDifferent |= !c.Label.AsSpan().SequenceEqual(a.Label);
            for (int i = 0; i < c.Label.Length; i++)
                if (c.Label[i] != 255) Assert.AreEqual(24000 + c.Label[i], c.Instances![i]);
        }
        Assert.IsTrue(anyDifferent);
    }

    [TestMethod]
    public void ColorJitterChangesOnlyTheImageAndStaysInRange()
    {
        SegmentationSample s = Blocks();
        var j = SegmentationTransforms.AdjustColor(s, 1.3f, 1.5f, 0.5f);
        CollectionAssert.AreEqual(s.Label, j.Label);
        CollectionAssert.AreEqual(s.Instances, j.Instances);
        Assert.IsTrue(j.Image.All(v => v is >= 0f and <= 1f));
        Assert.IsFalse(j.Image.AsSpan().SequenceEqual(s.Image));
        var same = SegmentationTransforms.AdjustColor(s, 1f, 1f, 1f);
        for (int i = 0; i < s.Image.Length; i++) Assert.AreEqual(s.Image[i], same.Image[i], 1e-6f);
    }

    [TestMethod]
    public void InvalidOptionsNameTheOption()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SegmentationAugmenter(new AugmentationOptions { MinScale = 2, MaxScale = 1 }));
        Assert.AreEqual("MaxScale", e.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => new SegmentationSample(2, 2, new float[11], new byte[4]));
    }
}
