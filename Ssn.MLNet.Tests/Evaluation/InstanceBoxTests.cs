using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

[TestClass]
public sealed class InstanceBoxTests
{
    [TestMethod]
    public void BoxOfMaskHasInclusiveEdges()
    {
        // Width 10: pixels (x=2,y=1) → 12, (x=5,y=3) → 35, (x=3,y=2) → 23.
        var box = InstanceBox.FromPixelIndices(new[] { 12, 35, 23 }, 10);
        Assert.AreEqual(new InstanceBox(2, 1, 5, 3), box);
        Assert.AreEqual(4, box.Width);
        Assert.AreEqual(3, box.Height);
        CollectionAssert.AreEqual(new float[] { 2, 1, 5, 3 }, box.ToLeftTopRightBottom());
        Assert.AreEqual(new InstanceBox(7, 0, 7, 0), InstanceBox.FromPrediction(new PredictedInstance(13, 1, new[] { 7 }), 10));
    }

    [TestMethod]
    public void BoxesOfInstanceMapSkipGroupsAndCarryTrainIds()
    {
        // 4×3 map: car 26000 at (0,0),(1,1); person 24001 at (3,2); car group 26 and road 7 elsewhere.
        int[] map =
        {
            26000, 7, 26, 7,
            7, 26000, 26, 7,
            7, 7, 7, 24001,
        };
        var boxes = InstanceBox.FromInstanceMap(map, 4);
        Assert.AreEqual(2, boxes.Count);
        Assert.AreEqual((24001, 11, new InstanceBox(3, 2, 3, 2)), boxes[0]);
        Assert.AreEqual((26000, 13, new InstanceBox(0, 0, 1, 1)), boxes[1]);
        Assert.ThrowsExactly<ArgumentException>(() => InstanceBox.FromInstanceMap(map, 5));
    }
}
