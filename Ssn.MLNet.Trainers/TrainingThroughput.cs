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
    public static double[] Measure(SpatialSamplingTrainerOptions options, int numClasses, int batch, int height, int width, int warmup, int steps, bool instances = true)
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
        using var step = new TrainingStep(network, optimizer, loss, TrainingPrecisions.Resolve(options.Precision, options.Device));
        using var images = randn(batch, 3, height, width, device: device);
        using var labels = randint(0, numClasses, new long[] { batch, height, width }, device: device);
        using var targets = instances ? rand(batch, 2, height, width, device: device).mul_(2).sub_(1) : null;
        using var mask = instances ? rand(batch, height, width, device: device).gt(0.7) : null;
        for (int i = 0; i < warmup; i++) step.Run(images, labels, targets, mask);
        var times = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step.Run(images, labels, targets, mask);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }
}
