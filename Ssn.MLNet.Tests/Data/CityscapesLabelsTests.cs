using Ssn.MLNet.Data;

namespace Ssn.MLNet.Tests.Data;

/// <summary>
/// The Cityscapes label tables against the official <c>cityscapesscripts/helpers/labels.py</c>, written out here by hand
/// (not derived from the code under test): label id → train id, the 19 train class names in order, the 8 instance
/// classes, and the way back for result files.
/// </summary>
[TestClass]
public sealed class CityscapesLabelsTests
{
    // labels.py, ids 0..33: unlabeled, ego vehicle, rectification border, out of roi, static, dynamic, ground (255),
    // road 0, sidewalk 1, parking 255, rail track 255, building 2, wall 3, fence 4, guard rail 255, bridge 255,
    // tunnel 255, pole 5, polegroup 255, traffic light 6, traffic sign 7, vegetation 8, terrain 9, sky 10, person 11,
    // rider 12, car 13, truck 14, bus 15, caravan 255, trailer 255, train 16, motorcycle 17, bicycle 18.
    private static readonly byte[] OfficialTrainIds =
    [
        255, 255, 255, 255, 255, 255, 255, 0, 1, 255, 255, 2, 3, 4, 255, 255, 255, 5, 255, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        255, 255, 16, 17, 18,
    ];

    private static readonly string[] OfficialTrainNames =
    [
        "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign", "vegetation", "terrain",
        "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
    ];

    [TestMethod]
    public void LabelIdsMapToTrainIdsAsTheOfficialTable()
    {
        for (int id = 0; id < OfficialTrainIds.Length; id++)
            Assert.AreEqual(OfficialTrainIds[id], CityscapesLabels.LabelIdToTrainId[id], $"label id {id}");
        CollectionAssert.AreEqual(OfficialTrainNames, CityscapesLabels.TrainClassNames.ToArray());
        // The way back (result files carry label ids): train id t → the label id that maps to t.
        for (int t = 0; t < 19; t++)
            Assert.AreEqual((byte)t, OfficialTrainIds[CityscapesLabels.TrainIdToLabelId[t]], $"train id {t}");
        // Instance ("thing") classes: person, rider, car, truck, bus, train, motorcycle, bicycle.
        CollectionAssert.AreEqual(new[] { 11, 12, 13, 14, 15, 16, 17, 18 }, CityscapesLabels.InstanceTrainIds.ToArray());
    }
}
