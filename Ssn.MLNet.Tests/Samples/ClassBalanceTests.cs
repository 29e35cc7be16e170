using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Tests.Imaging;

namespace Ssn.MLNet.Tests.Samples;

[TestClass]
public sealed class ClassBalanceTests
{
    [TestMethod]
    public void EnetWeightsFavourRareClassesAndFollowTheFormula()
    {
        using var dir = new TempDirectory();
        new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 2, ValCount = 1, Seed = 3, WriteColorImages = false })
            .Generate(dir.Path);
        var data = new CityscapesDataSource(dir.Path, "train");
        var weights = ClassBalance.EnetWeights(data);

        var counts = new long[19];
        for (int r = 0; r < data.Count; r++) foreach (byte v in data.LoadLabel(r).Data) if (v < 19) counts[v]++;
        long total = counts.Sum();
        int common = Array.IndexOf(counts, counts.Max());
        Assert.AreEqual(19, weights.Length);
        Assert.AreEqual(weights.Min(), weights[common], "the most frequent class has the smallest weight");
        for (int c = 0; c < 19; c++)
        {
            Assert.AreEqual(1 / Math.Log(1.02 + (double)counts[c] / total), weights[c], 1e-4, $"class {c}");
            if (counts[c] == 0) Assert.AreEqual(1 / Math.Log(1.02), weights[c], 1e-4, "an absent class gets the largest weight");
        }
    }
}
