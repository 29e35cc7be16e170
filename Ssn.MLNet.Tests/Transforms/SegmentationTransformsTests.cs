using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Tests.Transforms;

[TestClass]
public sealed class SegmentationTransformsTests
{
    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private static string WriteMaps(string dir)
    {
        Directory.CreateDirectory(dir);
        var labelIds = new Raster<byte>(4, 2, new byte[] { 7, 7, 26, 26, 0, 24, 24, 11 });    // road, car, unlabeled, person, building
        var instances = new Raster<int>(4, 2, new[] { 7, 7, 26001, 26001, 0, 24000, 24002, 11 });
        LabelPng.WriteGray8(Path.Combine(dir, "a_labelIds.png"), labelIds);
        LabelPng.WriteGray16(Path.Combine(dir, "a_instanceIds.png"), instances);
        return dir;
    }

    [TestMethod]
    public void LoadLabelMapsReadsTrainIdsAndExact16BitInstanceIds()
    {
        string dir = WriteMaps(Path.Combine(Path.GetTempPath(), $"ssn-maps-{Guid.NewGuid():N}"));
        try
        {
            var ml = new MLContext(1);
            var paths = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "a_labelIds.png" } });
            var labels = ml.Segmentation().Transforms.LoadLabelMaps("Label", "Path", dir, LabelMapEncoding.CityscapesLabelIds).Fit(paths).Transform(paths);
            var label = labels.GetColumn<VBuffer<byte>>("Label").Single().DenseValues().ToArray();
            CollectionAssert.AreEqual(new byte[] { 0, 0, 13, 13, 255, 11, 11, 2 }, label);

            var instPaths = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "a_instanceIds.png" } });
            var ids = ml.Segmentation().Transforms.LoadLabelMaps("InstanceIds", "Path", dir, LabelMapEncoding.InstanceIds16).Fit(instPaths).Transform(instPaths);
            CollectionAssert.AreEqual(new[] { 7, 7, 26001, 26001, 0, 24000, 24002, 11 }, ids.GetColumn<VBuffer<int>>("InstanceIds").Single().DenseValues().ToArray());

            var missing = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "nope.png" } });
            var view = ml.Segmentation().Transforms.LoadLabelMaps("Label", "Path", dir).Fit(missing).Transform(missing);
            var e = Assert.ThrowsExactly<FileNotFoundException>(() => view.GetColumn<VBuffer<byte>>("Label").ToList());
            StringAssert.Contains(e.Message, "nope.png");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class ImageRow
    {
        [Microsoft.ML.Transforms.Image.ImageType(2, 4)]
        public MLImage Image { get; set; } = null!;

        [VectorType(8)]
        public byte[] PredictedLabel { get; set; } = Array.Empty<byte>();
    }

    [TestMethod]
    public void DrawOverlayColoursLabelledPixelsAndRoundTripsThroughModelSave()
    {
        var ml = new MLContext(1);
        var gray = new RgbImage(4, 2, Enumerable.Repeat((byte)100, 24).ToArray());
        var data = ml.Data.LoadFromEnumerable(new[] { new ImageRow { Image = gray.ToMLImage(), PredictedLabel = new byte[] { 0, 0, 13, 13, 255, 255, 255, 255 } } });
        var model = ml.Segmentation().Transforms.DrawOverlay(instanceIdsColumnName: null, alpha: 0.5f).Fit(data);
        var overlay = RgbImage.FromMLImage(model.Transform(data).GetColumn<MLImage>("Overlay").Single());
        // Road (128, 64, 128) at 50 % over gray 100 → (114, 82, 114); ignore (255) stays the image.
        Assert.AreEqual((114, 82, 114), (overlay.Pixels[0], overlay.Pixels[1], overlay.Pixels[2]));
        Assert.AreEqual((100, 100, 100), (overlay.Pixels[12], overlay.Pixels[13], overlay.Pixels[14]));

        string path = Path.Combine(Path.GetTempPath(), $"ssn-overlay-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext(2).Model.Load(path, out _);
            var again = RgbImage.FromMLImage(loaded.Transform(data).GetColumn<MLImage>("Overlay").Single());
            CollectionAssert.AreEqual(overlay.Pixels, again.Pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MissingInputColumnsAreNamed()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "x" } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Segmentation().Transforms.DrawOverlay().Fit(data));
        StringAssert.Contains(e.Message, "'Image'");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Segmentation().Transforms.LoadLabelMaps("Label", "File").Fit(data));
        StringAssert.Contains(e.Message, "'File'");
    }
}
