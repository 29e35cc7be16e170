using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;

namespace Ssn.MLNet.Tests.Data;

[TestClass]
public sealed class CityscapesDataSourceTests
{
    private static readonly SyntheticCityscapesOptions Options = new() { Width = 96, Height = 48, TrainCount = 4, ValCount = 1, Seed = 11 };

    private static TempDirectory Generated()
    {
        var dir = new TempDirectory();
        new SyntheticCityscapesGenerator(Options).Generate(dir.Path);
        return dir;
    }

    [TestMethod]
    public void CursorReturnsImagesTrainIdsAndInstancesOfTheGeneratedScenes()
    {
        using var dir = Generated();
        var source = new CityscapesDataSource(dir.Path, "train");
        Assert.AreEqual(4L, source.GetRowCount());
        Assert.IsTrue(source.HasInstances);
        CollectionAssert.AreEqual(CityscapesLabels.TrainClassNames.ToArray(), source.ClassNames.ToArray());
        Assert.IsInstanceOfType<ImageDataViewType>(source.Schema[SegmentationColumns.Image].Type);
        Assert.AreEqual(NumberDataViewType.Byte, ((VectorDataViewType)source.Schema[SegmentationColumns.Label].Type).ItemType);
        Assert.AreEqual(NumberDataViewType.Int32, ((VectorDataViewType)source.Schema[SegmentationColumns.InstanceIds].Type).ItemType);

        var gen = new SyntheticCityscapesGenerator(Options);
        var byPath = Enumerable.Range(0, 4).ToDictionary(
            i => CityscapesPaths.Image(dir.Path, "train", SyntheticCityscapesGenerator.StemOf("train", i)), i => gen.Render("train", i));
        List<ReadRow> rows = CursorReader.ReadAll(source);
        CollectionAssert.AreEqual(byPath.Keys.OrderBy(p => p, StringComparer.Ordinal).ToArray(), rows.Select(r => r.Path).ToArray());
        foreach (ReadRow row in rows)
        {
            SyntheticScene scene = byPath[row.Path];
            Assert.AreEqual(48, row.Height);
            Assert.AreEqual(96, row.Width);
            CollectionAssert.AreEqual(scene.LabelIds.Data.Select(id => CityscapesLabels.LabelIdToTrainId[id]).ToArray(), row.Label);
            CollectionAssert.AreEqual(scene.InstanceIds.Data, row.Instances);
            CollectionAssert.AreEqual(scene.Image.Pixels, row.Rgb);
        }
        Assert.IsTrue(rows.Any(r => r.Label.Contains((byte)255)) && rows.Any(r => r.Label.Contains((byte)0)));

        var sample = source.LoadSample(2);
        SyntheticScene third = byPath[source.Rows[2].Image];
        CollectionAssert.AreEqual(third.InstanceIds.Data, sample.Instances);
        CollectionAssert.AreEqual(third.Image.ToChw(), sample.Image);
        Assert.AreEqual(CityscapesLabels.LabelIdToTrainId[third.LabelIds.Data[100]], sample.Label[100]);
    }

    [TestMethod]
    public void KnownSizeGoesIntoTheSchemaAndMLNetImageTransformsAcceptTheColumn()
    {
        using var dir = Generated();
        var source = new CityscapesDataSource(dir.Path, "val", (96, 48));
        var imageType = (ImageDataViewType)source.Schema[SegmentationColumns.Image].Type;
        Assert.AreEqual(48, imageType.Height);
        Assert.AreEqual(96, imageType.Width);
        Assert.AreEqual(48 * 96, ((VectorDataViewType)source.Schema[SegmentationColumns.Label].Type).Size);

        var ml = new MLContext(seed: 1);
        IDataView resized = ml.Transforms.ResizeImages("Small", 24, 12, SegmentationColumns.Image).Fit(source).Transform(source);
        using var cursor = resized.GetRowCursor(resized.Schema);
        var getter = cursor.GetGetter<MLImage>(resized.Schema["Small"]);
        Assert.IsTrue(cursor.MoveNext());
        MLImage small = null!;
        getter(ref small);
        Assert.AreEqual(24, small.Width);
        Assert.AreEqual(12, small.Height);

        var wrong = new CityscapesDataSource(dir.Path, "val", (100, 48));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => CursorReader.ReadAll(wrong));
        StringAssert.Contains(e.Message, "synthjena_000000_000019_leftImg8bit.png");
    }

    [TestMethod]
    public void FilesAreDecodedOnlyWhenAGetterAsks()
    {
        using var dir = Generated();
        var source = new CityscapesDataSource(dir.Path, "train");
        string victim = source.Rows[1].Image;
        File.Delete(victim); // after the view exists: nothing fails until a cursor reads that row's image

        var s = source.Schema;
        using (var pathsOnly = source.GetRowCursor([s[SegmentationColumns.ImagePath]]))
        {
            var path = pathsOnly.GetGetter<ReadOnlyMemory<char>>(s[SegmentationColumns.ImagePath]);
            int n = 0;
            ReadOnlyMemory<char> p = default;
            while (pathsOnly.MoveNext()) { path(ref p); n++; }
            Assert.AreEqual(4, n);
            Assert.IsFalse(pathsOnly.IsColumnActive(s[SegmentationColumns.Label]));
            Assert.ThrowsExactly<InvalidOperationException>(() => pathsOnly.GetGetter<VBuffer<byte>>(s[SegmentationColumns.Label]));
        }
        Assert.AreEqual(0L, source.DecodeCount);

        using var cursor = source.GetRowCursor(s);
        var image = cursor.GetGetter<MLImage>(s[SegmentationColumns.Image]);
        var label = cursor.GetGetter<VBuffer<byte>>(s[SegmentationColumns.Label]);
        Assert.IsTrue(cursor.MoveNext());
        VBuffer<byte> l = default;
        label(ref l);
        label(ref l); // cached for the row
        Assert.AreEqual(1L, source.DecodeCount);
        Assert.IsTrue(cursor.MoveNext());
        MLImage img = null!;
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => image(ref img));
        Assert.AreEqual(victim, e.FileName);
    }

    [TestMethod]
    public void MissingAnnotationEmptySplitAndSizeMismatchGiveClearErrors()
    {
        using var dir = Generated();
        string labelIds = CityscapesPaths.GtFine(dir.Path, "train", SyntheticCityscapesGenerator.StemOf("train", 2), CityscapesPaths.LabelIdsSuffix);
        byte[] original = File.ReadAllBytes(labelIds);
        File.Delete(labelIds);
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => new CityscapesDataSource(dir.Path, "train"));
        Assert.AreEqual(labelIds, missing.FileName);

        LabelPng.WriteGray8(labelIds, new Raster<byte>(10, 5));
        var source = new CityscapesDataSource(dir.Path, "train");
        int row = source.Rows.Select(r => r.Label).ToList().IndexOf(labelIds);
        var mismatch = Assert.ThrowsExactly<InvalidDataException>(() => source.LoadLabel(row));
        StringAssert.Contains(mismatch.Message, labelIds);
        StringAssert.Contains(mismatch.Message, source.Rows[row].Image);
        File.WriteAllBytes(labelIds, original);

        Directory.CreateDirectory(Path.Combine(dir.Path, "leftImg8bit", "test"));
        var empty = Assert.ThrowsExactly<InvalidDataException>(() => new CityscapesDataSource(dir.Path, "test"));
        StringAssert.Contains(empty.Message, "empty");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => new CityscapesDataSource(dir.Path, "nosuchsplit"));
    }

    [TestMethod]
    public void InstancesAreOptionalButMustBeComplete()
    {
        using var dir = Generated();
        var instanceFiles = Directory.GetFiles(Path.Combine(dir.Path, "gtFine", "train"), "*_instanceIds.png", SearchOption.AllDirectories);
        File.Delete(instanceFiles[0]);
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => new CityscapesDataSource(dir.Path, "train"));
        Assert.AreEqual(instanceFiles[0], e.FileName);
        foreach (string f in instanceFiles.Skip(1)) File.Delete(f);
        var source = new CityscapesDataSource(dir.Path, "train");
        Assert.IsFalse(source.HasInstances);
        Assert.IsNull(source.Schema.GetColumnOrNull(SegmentationColumns.InstanceIds));
        Assert.AreEqual(4, CursorReader.ReadAll(source).Count);
    }

    [TestMethod]
    public void ShuffledCursorVisitsEveryRowOnceInAnotherOrder()
    {
        using var dir = Generated();
        var source = new CityscapesDataSource(dir.Path, "train");
        var ordered = CursorReader.ReadAll(source).Select(r => r.Path).ToArray();
        var shuffled = CursorReader.ReadAll(source, new Random(1)).Select(r => r.Path).ToArray();
        CollectionAssert.AreEquivalent(ordered, shuffled);
        CollectionAssert.AreNotEqual(ordered, shuffled);
    }
}
