using System.Buffers.Binary;
using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;

namespace Ssn.MLNet.Tests.BadInput;

/// <summary>
/// Bad inputs of the library get an exception whose message names the option, file or column at fault, before any
/// work is done (issue 13's list; the command line's side is in <c>CommandLineTests</c>).
/// </summary>
[TestClass]
public sealed class BadInputTests
{
    [TestMethod]
    public void AnUnknownDeviceIsRefusedByTheOptionsNamingTheAcceptedForms()
    {
        foreach (string good in new[] { "cpu", "cuda", "cuda:0", "cuda:12" })
            new SpatialSamplingTrainerOptions { Device = good }.Validate();
        foreach (string bad in new[] { "gpu", "CPU", "cuda:", "cuda:x", "cuda:-1", "" })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SpatialSamplingTrainerOptions { Device = bad }.Validate(), bad);
            StringAssert.Contains(e.Message, "Device");
            StringAssert.Contains(e.Message, "cuda:N");
        }
    }

    [TestMethod]
    public void ACityscapesLabelIdThatCityscapesDoesNotDefineNamesFileValueAndPosition()
    {
        using var dir = new TempDirectory();
        new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 1, ValCount = 1, Seed = 3 }).Generate(dir.Path);
        var source = new CityscapesDataSource(dir.Path, "train");
        string labelIds = source.Rows[0].Label;
        var ids = LabelPng.ReadGray8(labelIds);
        ids.Data[2 * 64 + 5] = 200;
        LabelPng.WriteGray8(labelIds, ids);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => source.LoadLabel(0));
        StringAssert.Contains(e.Message, labelIds);
        StringAssert.Contains(e.Message, "id 200 at (5, 2)");
        ids.Data[2 * 64 + 5] = (byte)CityscapesLabels.MaxLabelId; // defined (bicycle): read as usual
        LabelPng.WriteGray8(labelIds, ids);
        Assert.AreEqual(CityscapesLabels.LabelIdToTrainId[CityscapesLabels.MaxLabelId], source.LoadLabel(0)[5, 2]);
    }

    public sealed class Scored
    {
        [VectorType(4)] public byte[] Label { get; set; } = [];
        [VectorType(4)] public byte[] PredictedLabel { get; set; } = [];
    }

    private static IDataView ScoredData(MLContext ml, string[] dataClasses, string[] modelClasses)
    {
        var schema = SchemaDefinition.Create(typeof(Scored));
        foreach (var (column, names) in new[] { ("Label", dataClasses), ("PredictedLabel", modelClasses) })
            schema[column].AddAnnotation(SegmentationEvaluation.ClassNamesAnnotation,
                new VBuffer<ReadOnlyMemory<char>>(names.Length, names.Select(n => n.AsMemory()).ToArray()),
                new VectorDataViewType(TextDataViewType.Instance, names.Length));
        return ml.Data.LoadFromEnumerable([new Scored { Label = [0, 1, 0, 1], PredictedLabel = [0, 1, 1, 1] }], schema);
    }

    [TestMethod]
    public void EvaluatingAModelForOtherClassesThanTheDataNamesBothClassLists()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Segmentation().Evaluate(ScoredData(ml, ["sky", "road"], ["a", "b", "c"])));
        StringAssert.Contains(e.Message, "sky, road");
        StringAssert.Contains(e.Message, "a, b, c");
        var metrics = ml.Segmentation().Evaluate(ScoredData(ml, ["sky", "road"], ["sky", "road"]));
        Assert.AreEqual(0.75, metrics.PixelAccuracy, 1e-9);
    }

    [TestMethod]
    public void DataSourcesNameTheirClassesOnTheLabelColumn()
    {
        using var dir = new TempDirectory();
        new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 1, ValCount = 1, Seed = 3 }).Generate(dir.Path);
        var source = new CityscapesDataSource(dir.Path, "train");
        CollectionAssert.AreEqual(CityscapesLabels.TrainClassNames.ToArray(),
            SegmentationEvaluation.ClassNamesOf(source.Schema[SegmentationColumns.Label])!.ToArray());
    }

    /// <summary>A structurally complete PNG (IHDR, IDAT, IEND) whose header claims <paramref name="width"/>×<paramref name="height"/>.</summary>
    internal static byte[] PngClaiming(int width, int height, byte colorType)
    {
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        void Chunk(string type, byte[] data)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
            png.AddRange(length);
            png.AddRange(System.Text.Encoding.ASCII.GetBytes(type));
            png.AddRange(data);
            png.AddRange(new byte[4]); // CRC, not reached: the size is refused first
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        Chunk("IHDR", ihdr);
        Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00]);
        Chunk("IEND", []);
        return png.ToArray();
    }

    [TestMethod]
    public void AnImageWhoseHeaderClaimsTooManyPixelsIsRefusedBeforeDecoding()
    {
        using var dir = new TempDirectory();
        string rgb = dir.File("huge.png"), gray = dir.File("huge_labelIds.png");
        File.WriteAllBytes(rgb, PngClaiming(30000, 30000, colorType: 2));
        File.WriteAllBytes(gray, PngClaiming(30000, 30000, colorType: 0));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        foreach (var (path, read) in new (string, Action)[] { (rgb, () => ImageFile.ReadRgb(rgb)), (gray, () => LabelPng.ReadGray8(gray)) })
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(read);
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "30000×30000");
            StringAssert.Contains(e.Message, "MaxPixels");
        }
        Assert.IsTrue(GC.GetTotalAllocatedBytes(precise: true) - before < 50_000_000, "refused before allocating the pixels");
        Assert.AreEqual(ImageLimits.DefaultMaxPixels, ImageLimits.MaxPixels);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageLimits.MaxPixels = 0);
    }

    [TestMethod]
    [DoNotParallelize] // lowers the process-wide limit for a moment
    public void AnInMemoryImageOverTheLimitIsRefusedByTheTransformer()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        var images = ml.Segmentation().Data.LoadSyntheticCityscapes(dir.Path, new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 1, ValCount = 1, Seed = 3 }, "train");
        using var model = new SpatialSamplingTransformer(ml, TestNetworks.Tiny(numClasses: 19), CityscapesLabels.TrainClassNames);
        try
        {
            ImageLimits.MaxPixels = 1000;
            var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.CreateEnumerable<Scored>(model.Transform(images), reuseRowObject: false).ToList());
            StringAssert.Contains(e.Message, "64×32");
        }
        finally
        {
            ImageLimits.MaxPixels = ImageLimits.DefaultMaxPixels;
        }
    }

    [TestMethod]
    public void AnUnwritableCheckpointFolderFailsFitBeforeTraining()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        var train = ml.Segmentation().Data.LoadSyntheticCityscapes(dir.Path, new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 2, ValCount = 1, Seed = 3 }, "train");
        string file = dir.File("a-file");
        File.WriteAllText(file, "not a folder");
        string checkpoints = Path.Combine(file, "checkpoints");
        int epochs = 0;
        var options = new SpatialSamplingTrainerOptions
        {
            Network = SsnNetworkOptions.Tiny(19), Epochs = 1, BatchSize = 2, CheckpointDirectory = checkpoints,
            Progress = new Progress<TrainingProgress>(_ => epochs++),
        };
        var e = Assert.ThrowsExactly<IOException>(() => ml.Segmentation().Trainers.SpatialSampling(options).Fit(train));
        StringAssert.Contains(e.Message, "CheckpointDirectory");
        StringAssert.Contains(e.Message, checkpoints);
        Assert.AreEqual(0, epochs);
    }

    [TestMethod]
    public void AModelPathThatCannotBeWrittenIsNamedBeforeTraining()
    {
        using var dir = new TempDirectory();
        string file = dir.File("a-file");
        File.WriteAllText(file, "not a folder");
        var e = Assert.ThrowsExactly<IOException>(() => SsnModelFile.RequireWritable(Path.Combine(file, "model.zip")));
        StringAssert.Contains(e.Message, Path.Combine(file, "model.zip"));
        var folder = Assert.ThrowsExactly<IOException>(() => SsnModelFile.RequireWritable(dir.Path));
        StringAssert.Contains(folder.Message, "is a directory");
        SsnModelFile.RequireWritable(Path.Combine(dir.Path, "new", "model.zip"));
        Assert.AreEqual(0, Directory.GetFiles(Path.Combine(dir.Path, "new")).Length, "the probe file is gone");
    }

    [TestMethod]
    public void ANonZipOrTruncatedModelFileIsNamedAndLeavesNoTemporaryFolder()
    {
        using var dir = new TempDirectory();
        string text = dir.File("notes.zip"), truncated = dir.File("truncated.zip");
        File.WriteAllText(text, "this is not a model");
        using (var zip = System.IO.Compression.ZipFile.Open(dir.File("whole.zip"), System.IO.Compression.ZipArchiveMode.Create))
            using (var w = new StreamWriter(zip.CreateEntry("Schema").Open())) w.Write(new string('x', 5000));
        File.WriteAllBytes(truncated, File.ReadAllBytes(dir.File("whole.zip"))[..100]);
        string[] before = MLNetTempFolders();
        foreach (string path in new[] { text, truncated })
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => SsnModelFile.LoadTransformer<SpatialSamplingTransformer>(new MLContext(), path, out _));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "zip");
        }
        CollectionAssert.AreEquivalent(before, MLNetTempFolders().Intersect(before).ToArray());
        Assert.AreEqual(0, MLNetTempFolders().Except(before).Count(d => !Directory.EnumerateFileSystemEntries(d).Any()), "no empty ml_dotnet_* folder left");
    }

    private static string[] MLNetTempFolders() => Directory.GetDirectories(Path.GetTempPath(), "ml_dotnet*");
}
