using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Tests.Trainers;

/// <summary>
/// Cancellation where work is under way: in the middle of an epoch (after some of its batches trained) and in the
/// middle of an evaluation. Both stop with <see cref="OperationCanceledException"/> and leave nothing half-written.
/// </summary>
[TestClass]
[DoNotParallelize] // trains: libtorch's process-wide generator
public sealed class CancellationTests
{
    private static string root = "";
    private static MLContext ml = null!;
    private static IDataView train = null!;

    [ClassInitialize]
    public static void Generate(TestContext _)
    {
        root = Path.Combine(Path.GetTempPath(), $"ssn-cancel-{Guid.NewGuid():N}");
        ml = new MLContext(seed: 1);
        train = ml.Segmentation().Data.LoadSyntheticCityscapes(root,
            new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 6, ValCount = 3, Seed = 9 });
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static SpatialSamplingTrainerOptions Small(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 2, LearningRate = 5e-3, Seed = 4,
        Network = SsnNetworkOptions.Tiny(19) with { SamplingSteps = 4 },
        Augmentation = new AugmentationOptions { CropWidth = 48, CropHeight = 32 },
    };

    private static float[] Weights(SpatialSamplingTransformer model) =>
        model.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    /// <summary>
    /// Epoch 1 reads images 1–6; the token is cancelled when epoch 2 reads its 4th image (two of its three batches have
    /// been produced). The run stops in that epoch: only epoch 1 was reported, the checkpoint directory holds
    /// epoch 1's checkpoint and no temporary file, and resuming from it gives the weights of an uninterrupted run.
    /// </summary>
    [TestMethod]
    public void CancellingInTheMiddleOfAnEpochStopsItCleanly()
    {
        using var uninterrupted = new SpatialSamplingTrainer(ml, Small(2)).Fit(train);

        string dir = Path.Combine(root, $"ckpt-{Guid.NewGuid():N}");
        using var cts = new CancellationTokenSource();
        var cancelling = Small(2);
        cancelling.CheckpointDirectory = dir;
        cancelling.CancellationToken = cts.Token;
        var epochsReported = new List<int>();
        cancelling.Progress = new Progress(p => epochsReported.Add(p.Epoch));
        var trainer = new SpatialSamplingTrainer(ml, cancelling);
        var watched = new ImageReadCounter(train, imageRow: 10, cts.Cancel);
        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(watched));
        Assert.IsTrue(watched.Triggered, "the cancellation came from inside epoch 2's reading");
        CollectionAssert.AreEqual(new[] { 1 }, epochsReported, "epoch 1 completed, epoch 2 did not");
        CollectionAssert.AreEqual(new[] { TrainingCheckpoint.FileName(1) }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());

        var resuming = Small(2);
        resuming.ResumeFrom = Path.Combine(dir, TrainingCheckpoint.FileName(1));
        using var resumed = new SpatialSamplingTrainer(ml, resuming).Fit(train);
        CollectionAssert.AreEqual(Weights(uninterrupted), Weights(resumed), "a run cancelled mid-epoch resumes to the uninterrupted weights");
    }

    /// <summary>The evaluation of 3 images is cancelled after the first: it stops there with OperationCanceledException.</summary>
    [TestMethod]
    public void CancellingAnEvaluationStopsItAfterTheCurrentImage()
    {
        var val = ml.Segmentation().Data.LoadSyntheticCityscapes(root,
            new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 6, ValCount = 3, Seed = 9 }, "val");
        using var model = new SpatialSamplingTransformer(ml, SegmentationModels.Create(SsnNetworkOptions.Tiny(19)), CityscapesLabels.TrainClassNames);
        using var cts = new CancellationTokenSource();
        var reported = new List<int>();
        var job = new EvaluationJob { Progress = (done, _) => { reported.Add(done); if (done == 1) cts.Cancel(); }, TimingRuns = 1 };
        Assert.ThrowsExactly<OperationCanceledException>(() => job.Run(ml, model, CityscapesLabels.TrainClassNames, val, cts.Token));
        CollectionAssert.AreEqual(new[] { 1 }, reported, "no image after the cancellation was evaluated");
        // The same job without cancellation evaluates all three (the cancellation, not the data, stopped it).
        reported.Clear();
        new EvaluationJob { Progress = (done, _) => reported.Add(done), TimingRuns = 1 }.Run(ml, model, CityscapesLabels.TrainClassNames, val);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, reported);
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>Passes a data view through, calling <paramref name="action"/> when cursors that read the image column have read <paramref name="imageRow"/> rows in all.</summary>
    private sealed class ImageReadCounter(IDataView source, int imageRow, Action action) : IDataView
    {
        private int read;

        public bool Triggered { get; private set; }

        private void Count()
        {
            if (Interlocked.Increment(ref read) != imageRow) return;
            Triggered = true;
            action();
        }

        public bool CanShuffle => source.CanShuffle;

        public DataViewSchema Schema => source.Schema;

        public long? GetRowCount() => source.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var columns = columnsNeeded.ToList();
            bool images = columns.Any(c => c.Name == SegmentationColumns.Image);
            return new Cursor(this, source.GetRowCursor(columns, rand), images);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(ImageReadCounter parent, DataViewRowCursor inner, bool images) : DataViewRowCursor
        {
            public override DataViewSchema Schema => inner.Schema;
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

            public override bool MoveNext()
            {
                if (!inner.MoveNext()) return false;
                if (images) parent.Count();
                return true;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
