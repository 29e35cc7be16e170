using System.Runtime.ExceptionServices;
using Ssn.MLNet.Data;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers;

/// <summary>
/// In-process data parallelism on the CPU (<see cref="SpatialSamplingTrainerOptions.Replicas"/>): copies of the network,
/// each on its own thread with its share of libtorch's intra-op threads, run forward and backward on their slices of the
/// mini-batch at the same time. Their gradients are then averaged into the first replica — the network whose weights the
/// optimiser updates — weighted by slice size, and so are the BatchNorm running statistics; after the optimiser step
/// <see cref="CopyWeights"/> hands the updated weights to the others. This is what <c>DistributedDataParallel</c> does
/// between processes: BatchNorm normalises each slice with its own statistics.
/// </summary>
/// <remarks>
/// Why: on a 2-core CPU the small convolutions and the element-wise layers of this network parallelise poorly inside one
/// operation; two replicas of one thread each ran the trainer's batch-8 step at 360×480 ×1.26 faster than one network
/// on two threads (<c>docs/results/training-replicas-2026-12-07.json</c>). libtorch's thread count is per thread,
/// so each worker sets its own once. Dropout draws from a generator per replica (<see cref="SpatialDropout"/>), seeded
/// by <see cref="SeedDropout"/>, so runs stay reproducible.
/// </remarks>
internal sealed class DataParallelReplicas : IDisposable
{
    private readonly TrainableNetwork[] replicas;
    private readonly Parameter[][] parameters;
    private readonly Tensor[][] buffers;
    private readonly Generator[] generators;
    private readonly Thread[] threads;
    private readonly SemaphoreSlim[] start;
    private readonly CountdownEvent finished;
    private readonly Action?[] work;
    private readonly ExceptionDispatchInfo?[] failures;
    private readonly int[] threadCounts;
    private volatile bool stopping;

    /// <summary>Creates <paramref name="count"/> replicas: <paramref name="network"/> itself and copies of it.</summary>
    public DataParallelReplicas(TrainableNetwork network, int count)
    {
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "Data parallelism needs at least 2 replicas.");
        replicas = new TrainableNetwork[count];
        replicas[0] = network;
        for (int r = 1; r < count; r++)
        {
            replicas[r] = network.Copy();
            replicas[r].Model.train();
        }
        parameters = replicas.Select(n => n.Model.parameters().ToArray()).ToArray();
        buffers = replicas.Select(n => n.Model.buffers().ToArray()).ToArray();
        generators = new Generator[count];
        for (int r = 0; r < count; r++)
        {
            generators[r] = new Generator(0);
            foreach (var module in replicas[r].Model.modules())
                if (module is SpatialDropout dropout) dropout.Generator = generators[r];
        }
        CopyWeights(); // Copy() may round-trip through a file format: start from identical weights and statistics

        int total = get_num_threads(), each = Math.Max(1, total / count);
        ThreadsPerReplica = each;
        start = Enumerable.Range(0, count).Select(_ => new SemaphoreSlim(0)).ToArray();
        finished = new CountdownEvent(count);
        work = new Action?[count];
        failures = new ExceptionDispatchInfo?[count];
        threadCounts = new int[count];
        threads = new Thread[count];
        for (int r = 0; r < count; r++)
        {
            int index = r;
            // Large stacks: autograd's backward recurses through the graph on the calling thread.
            threads[r] = new Thread(() => Work(index, each), 64 << 20) { IsBackground = true, Name = $"SSN replica {r}" };
            threads[r].Start();
        }
        finished.Wait(); // every worker has set its thread count
        set_num_threads(total); // the workers' calls also set libtorch's default for new threads: restore it
    }

    /// <summary>The number of replicas.</summary>
    public int Count => replicas.Length;

    /// <summary>libtorch intra-op threads of each replica.</summary>
    public int ThreadsPerReplica { get; }

    /// <summary>libtorch's thread count as each replica's thread saw it at the end of its last slice.</summary>
    public IReadOnlyList<int> ObservedThreadCounts => threadCounts;

    /// <summary>The replicas (the first is the network the optimiser updates).</summary>
    public IReadOnlyList<TrainableNetwork> Networks => replicas;

    /// <summary>Seeds replica r's dropout generator with <c>StableSeed.Mix(seed, r, 0)</c>.</summary>
    public void SeedDropout(int seed)
    {
        for (int r = 0; r < generators.Length; r++) generators[r].manual_seed(StableSeed.Mix(seed, r, 0));
    }

    /// <summary>
    /// Forward and backward of the mini-batch split into one slice per replica (fewer when it has fewer images), all at
    /// once; then the first replica's gradients and BatchNorm statistics hold the slices' average. Returns the loss values
    /// averaged the same way (instance NaN when not trained).
    /// </summary>
    public (double Total, double Semantic, double Instance) ForwardBackward(SsnLoss loss, Tensor images, Tensor labels, Tensor? targets, Tensor? mask)
    {
        long batch = images.shape[0];
        int active = (int)Math.Min(replicas.Length, batch);
        var results = new (double Total, double Semantic, double Instance)[active];
        var weights = new double[active];
        using var scope = NewDisposeScope();
        long offset = 0;
        for (int r = 0; r < active; r++)
        {
            long n = batch / active + (r < batch % active ? 1 : 0);
            weights[r] = (double)n / batch;
            var (x, y) = (images.narrow(0, offset, n), labels.narrow(0, offset, n));
            var (t, m) = (targets?.narrow(0, offset, n), mask?.narrow(0, offset, n));
            offset += n;
            var network = replicas[r];
            int index = r;
            work[r] = () =>
            {
                using var inner = NewDisposeScope();
                foreach (var p in parameters[index]) p.grad?.zero_();
                var parts = network.Loss(loss, x, y, t, m);
                parts.Total.backward();
                results[index] = (parts.Total.item<float>(), parts.Semantic.item<float>(), parts.Instance?.item<float>() ?? double.NaN);
                threadCounts[index] = get_num_threads();
            };
        }
        finished.Reset(active);
        for (int r = 0; r < active; r++) start[r].Release();
        finished.Wait();
        for (int r = 0; r < active; r++)
            if (failures[r] is { } failure) { failures[r] = null; failure.Throw(); }

        if (active > 1)
        {
            using var _ = no_grad();
            // Scalars held to the end (see KeptScalars).
            var w = weights.Select(v => (Scalar)v).ToArray();
            for (int i = 0; i < parameters[0].Length; i++)
                if (parameters[0][i].grad is { } g)
                {
                    g.mul_(w[0]);
                    for (int r = 1; r < active; r++) g.add_(parameters[r][i].grad!, w[r]);
                }
            for (int i = 0; i < buffers[0].Length; i++)
                if (buffers[0][i].is_floating_point())
                {
                    buffers[0][i].mul_(w[0]);
                    for (int r = 1; r < active; r++) buffers[0][i].add_(buffers[r][i], w[r]);
                }
            foreach (var s in w) s.Dispose();
        }
        double Mean(Func<(double Total, double Semantic, double Instance), double> part) => results.Select((v, r) => part(v) * weights[r]).Sum();
        return (Mean(v => v.Total), Mean(v => v.Semantic), Mean(v => v.Instance));
    }

    /// <summary>Copies the first replica's weights and buffers into the others (after the optimiser step).</summary>
    public void CopyWeights()
    {
        using var _ = no_grad();
        for (int r = 1; r < replicas.Length; r++)
        {
            for (int i = 0; i < parameters[0].Length; i++) parameters[r][i].copy_(parameters[0][i]);
            for (int i = 0; i < buffers[0].Length; i++) buffers[r][i].copy_(buffers[0][i]);
        }
    }

    private void Work(int index, int threadCount)
    {
        // libtorch initialises a thread's OpenMP thread count from its process-wide setting at the thread's first
        // parallel operation (lazily, once), which would undo an earlier set_num_threads: trigger that first.
        get_num_threads();
        set_num_threads(threadCount);
        finished.Signal();
        while (true)
        {
            start[index].Wait();
            if (stopping) return;
            try { work[index]!(); }
            catch (Exception e) { failures[index] = ExceptionDispatchInfo.Capture(e); }
            finally
            {
                work[index] = null;
                finished.Signal();
            }
        }
    }

    /// <summary>Stops the workers, disposes the copies and returns the first replica's dropout to the global generator.</summary>
    public void Dispose()
    {
        stopping = true;
        foreach (var s in start) s.Release();
        foreach (var t in threads) t.Join();
        foreach (var module in replicas[0].Model.modules())
            if (module is SpatialDropout dropout) dropout.Generator = null;
        for (int r = 1; r < replicas.Length; r++) replicas[r].Dispose();
        foreach (var g in generators) g.Dispose();
        foreach (var s in start) s.Dispose();
        finished.Dispose();
    }
}
