using System.Diagnostics;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Networks;
using Ssn.MLNet.Trainers.Optimization;
using Ssn.MLNet.Trainers.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers;

/// <summary>
/// Times the trainer's own optimisation step (<see cref="SpatialSamplingTrainer"/>'s forward, iGUM, both losses, backward
/// and Adam, in the requested precision) on random mini-batches, without reading data: what <c>bench</c> reports as
/// training throughput.
/// </summary>
public static class TrainingThroughput
{
    /// <summary>Step times in milliseconds, after <paramref name="warmup"/> untimed steps.</summary>
    /// <param name="options">Network, loss and optimiser settings (Network, LearningRate …); Precision is resolved as in training.</param>
    /// <param name="numClasses">Classes of the network.</param>
    /// <param name="batch">Images per step.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="warmup">Untimed steps first.</param>
    /// <param name="steps">Timed steps.</param>
    /// <param name="instances">Whether the instance loss is trained (a dataset with instance maps).</param>
    public static double[] Measure(SpatialSamplingTrainerOptions options, int numClasses, int batch, int height, int width, int warmup, int steps, bool instances = true) =>
        MeasurePhases(options, numClasses, batch, height, width, warmup, steps, instances).StepMs;

    /// <summary>
    /// As <see cref="Measure"/>, with each step split into its <see cref="TrainingPhase"/>s, the copy of a host batch into
    /// tensors that the trainer's loop makes before each step (timed apart, not part of the step), and the network's
    /// convolution FLOPs, from which a compute bound follows.
    /// </summary>
    /// <inheritdoc cref="Measure" path="/param"/>
    public static TrainingStepProfile MeasurePhases(SpatialSamplingTrainerOptions options, int numClasses, int batch, int height, int width, int warmup, int steps, bool instances = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureLoaded();
        if (options.NumberOfThreads > 0) set_num_threads(options.NumberOfThreads);
        var device = new Device(options.Device);
        manual_seed(options.Seed);
        using var network = TrainableNetwork.Create(options, numClasses);
        network.Model.to(device);
        network.Model.train();
        instances &= options.Network.IsSpatialSamplingNetwork;
        using var optimizer = new AdamOptimizer(network.Model.parameters(), options.LearningRate, options.WeightDecay);
        using var weights = rand(numClasses, device: device).add_(0.5);
        var loss = new SsnLoss(options.IgnoreLabel, weights, options.InstanceLoss, options.SemanticLossWeight, options.InstanceLossWeight);
        var precision = TrainingPrecisions.Resolve(options.Precision, options.Device);
        using var step = new TrainingStep(network, optimizer, loss, precision, precision == TrainingPrecision.Float32 ? options.Replicas : 1);
        step.Replicas?.SeedDropout(options.Seed);
        using var images = randn(batch, 3, height, width, device: device);
        using var labels = randint(0, numClasses, new long[] { batch, height, width }, device: device);
        using var targets = instances ? rand(batch, 2, height, width, device: device).mul_(2).sub_(1) : null;
        using var mask = instances ? rand(batch, height, width, device: device).gt(0.7) : null;
        // The same batch as host arrays, for timing the trainer loop's copy of a prepared batch into tensors.
        var host = (Images: Host<float>(images), Labels: Host<long>(labels), Targets: targets is null ? null : Host<float>(targets), Mask: mask is null ? null : Host<bool>(mask));
        // Convolution FLOPs of one image's forward pass (an eval-mode pass: it draws no random numbers).
        double forwardGFlop = ModelComplexity.Measure(network.Model, height, width).GFlops;
        for (int i = 0; i < warmup; i++) step.Run(images, labels, targets, mask);

        var phases = Enum.GetValues<TrainingPhase>();
        var times = new double[steps];
        var copy = new double[steps];
        var phaseMs = phases.ToDictionary(p => p, _ => new double[steps]);
        var phaseFaults = phases.ToDictionary(p => p, _ => new long[steps]);
        var clock = new TrainingPhaseClock();
        for (int i = 0; i < steps; i++)
        {
            long copyStart = Stopwatch.GetTimestamp();
            using (var scope = NewDisposeScope())
            {
                tensor(host.Images, images.shape, device: device);
                tensor(host.Labels, labels.shape, device: device);
                if (host.Targets is not null) tensor(host.Targets, targets!.shape, device: device);
                if (host.Mask is not null) tensor(host.Mask, mask!.shape, device: device);
            }
            copy[i] = Stopwatch.GetElapsedTime(copyStart).TotalMilliseconds;
            long start = Stopwatch.GetTimestamp();
            step.Run(images, labels, targets, mask, clock);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            foreach (var p in phases)
            {
                phaseMs[p][i] = clock.Milliseconds[(int)p];
                phaseFaults[p][i] = clock.MinorFaults[(int)p];
            }
        }
        return new TrainingStepProfile(times, phaseMs, phaseFaults, copy, forwardGFlop, batch);
    }

    private static T[] Host<T>(Tensor t) where T : unmanaged
    {
        using var cpu = t.cpu();
        using var dense = cpu.contiguous();
        return dense.data<T>().ToArray();
    }
}

/// <summary>What <see cref="TrainingThroughput.MeasurePhases"/> measured, per timed step.</summary>
/// <param name="StepMs">Whole steps, milliseconds (what <see cref="TrainingThroughput.Measure"/> returns).</param>
/// <param name="PhaseMs">Milliseconds per phase and step; the phases of a step add up to its time, less the clock's own reads.</param>
/// <param name="PhaseMinorFaults">Minor page faults per phase and step (memory freshly mapped: libtorch on the CPU has no caching
/// allocator, so buffers the C library returned to the system are faulted in, and zeroed by the kernel, again); zeros where unknown.</param>
/// <param name="HostToTensorMs">Copying the host batch (images, labels, centres, mask) into tensors, as the trainer's loop does before each step; not part of the step.</param>
/// <param name="ForwardGFlopPerImage">Convolution GFLOP of one image's forward pass (<see cref="ModelComplexity"/>).</param>
/// <param name="Batch">Images per step.</param>
public sealed record TrainingStepProfile(double[] StepMs, IReadOnlyDictionary<TrainingPhase, double[]> PhaseMs,
    IReadOnlyDictionary<TrainingPhase, long[]> PhaseMinorFaults, double[] HostToTensorMs, double ForwardGFlopPerImage, int Batch)
{
    /// <summary>
    /// Convolution GFLOP of one step: forward, and backward at twice the forward (input and weight gradients) — the
    /// usual estimate, slightly high since the first convolution needs no input gradient.
    /// </summary>
    public double StepGFlop => 3 * ForwardGFlopPerImage * Batch;

    /// <summary>Images per second if every convolution ran at <paramref name="ceilingGFlops"/> and nothing else took time.</summary>
    public double BoundImagesPerSecond(double ceilingGFlops) => Batch * ceilingGFlops / StepGFlop;
}

