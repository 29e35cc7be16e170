using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Networks;
using Ssn.MLNet.Trainers.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers;

/// <summary>
/// One optimisation step of <see cref="SpatialSamplingTrainer"/>: forward, iGUM upsampling, both losses, backward and the
/// Adam step — in fp32, or in bfloat16 with fp32 master weights (<see cref="TrainingPrecision.BFloat16"/>). The trainer's
/// loop and the <c>bench</c> training throughput run this same code.
/// </summary>
/// <remarks>
/// Mixed precision without autocast (TorchSharp has none): a compute copy of the network holds bfloat16 weights, except
/// its BatchNorm layers, which stay fp32 (libtorch's CPU BatchNorm takes bfloat16 input with fp32 parameters and
/// statistics). Each step copies the master weights and BatchNorm statistics into the copy, runs forward and backward on
/// it with bfloat16 images, casts the network's outputs to fp32 before upsampling and loss, and hands the gradients back
/// to the fp32 master weights, which the optimiser updates. The copy holds no state of its own between steps, so
/// checkpoints (master weights, Adam state) resume bit-exactly in either precision.
/// <para>With several fp32 replicas (<see cref="DataParallelReplicas"/>), forward and backward run on slices of the
/// mini-batch at once and the optimiser updates the first replica, which is the network the step was created for.</para>
/// </remarks>
internal sealed class TrainingStep : IDisposable
{
    private readonly TrainableNetwork network;
    private readonly AdamOptimizer optimizer;
    private readonly SsnLoss loss;
    private readonly TrainableNetwork? compute;
    private readonly Parameter[] masterParameters = Array.Empty<Parameter>(), computeParameters = Array.Empty<Parameter>();
    private readonly Tensor[] masterBuffers = Array.Empty<Tensor>(), computeBuffers = Array.Empty<Tensor>();
    private readonly DataParallelReplicas? replicas;

    /// <summary>Creates the step for <paramref name="network"/> (the master weights, which <paramref name="optimizer"/> updates).</summary>
    /// <param name="network">The network trained.</param>
    /// <param name="optimizer">Its optimiser.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="precision">fp32 or bfloat16 (resolved).</param>
    /// <param name="replicas">Data-parallel replicas on the CPU; more than 1 only in fp32.</param>
    public TrainingStep(TrainableNetwork network, AdamOptimizer optimizer, SsnLoss loss, TrainingPrecision precision, int replicas = 1)
    {
        if (precision == TrainingPrecision.Auto) throw new ArgumentException("Resolve Auto first (TrainingPrecisions.Resolve).", nameof(precision));
        if (replicas > 1 && precision != TrainingPrecision.Float32) throw new ArgumentException("Data-parallel replicas train in fp32 only.", nameof(replicas));
        this.network = network;
        this.optimizer = optimizer;
        this.loss = loss;
        if (precision == TrainingPrecision.BFloat16)
        {
            compute = network.Copy();
            compute.Model.to(ScalarType.BFloat16);
            foreach (var (_, module) in compute.Model.named_modules())
                if (module is BatchNorm2d bn) bn.to(ScalarType.Float32);
            compute.Model.train();
            masterParameters = network.Model.parameters().ToArray();
            computeParameters = compute.Model.parameters().ToArray();
            masterBuffers = network.Model.buffers().ToArray();
            computeBuffers = compute.Model.buffers().ToArray();
            if (masterParameters.Length != computeParameters.Length || masterBuffers.Length != computeBuffers.Length)
                throw new InvalidOperationException("The bfloat16 copy of the network has other parameters than the network.");
        }
        if (replicas > 1) this.replicas = new DataParallelReplicas(network, replicas);
    }

    /// <summary>The data-parallel replicas (null with one).</summary>
    public DataParallelReplicas? Replicas => replicas;

    /// <summary>Runs one step on a mini-batch (fp32 images) and returns the loss values (instance NaN when not trained).</summary>
    /// <param name="images">Normalised images <c>[B, 3, H, W]</c>.</param>
    /// <param name="labels">Train ids <c>[B, H, W]</c>.</param>
    /// <param name="targets">Instance centres <c>[B, 2, H, W]</c>, or null.</param>
    /// <param name="mask">Instance pixels <c>[B, H, W]</c>, or null.</param>
    /// <param name="clock">When given, times each <see cref="TrainingPhase"/> of this step (bench's breakdown).</param>
    public (double Total, double Semantic, double Instance) Run(Tensor images, Tensor labels, Tensor? targets, Tensor? mask, TrainingPhaseClock? clock = null)
    {
        using var scope = NewDisposeScope();
        clock?.Start();
        optimizer.ZeroGrad();
        if (replicas is not null)
        {
            clock?.Lap(TrainingPhase.ZeroGrad);
            var averaged = replicas.ForwardBackward(loss, images, labels, targets, mask);
            clock?.Lap(TrainingPhase.Replicas);
            optimizer.Step();
            replicas.CopyWeights();
            clock?.Lap(TrainingPhase.Optimizer);
            return averaged;
        }
        SsnLossParts parts;
        if (compute is null)
        {
            clock?.Lap(TrainingPhase.ZeroGrad);
            parts = network.Loss(loss, images, labels, targets, mask, clock);
            parts.Total.backward();
        }
        else
        {
            using (no_grad())
            {
                for (int i = 0; i < masterParameters.Length; i++) computeParameters[i].copy_(masterParameters[i]);
                for (int i = 0; i < masterBuffers.Length; i++) computeBuffers[i].copy_(masterBuffers[i]);
            }
            foreach (var p in computeParameters) p.grad?.zero_();
            clock?.Lap(TrainingPhase.ZeroGrad);
            parts = compute.Loss(loss, images.to(ScalarType.BFloat16), labels, targets, mask, clock);
            parts.Total.backward();
            using (no_grad())
            {
                for (int i = 0; i < masterParameters.Length; i++)
                    if (computeParameters[i].grad is { } g)
                    {
                        if (masterParameters[i].grad is { } mg) mg.copy_(g);
                        else masterParameters[i].grad = g.to(ScalarType.Float32).DetachFromDisposeScope();
                    }
                for (int i = 0; i < masterBuffers.Length; i++) masterBuffers[i].copy_(computeBuffers[i]);
            }
        }
        clock?.Lap(TrainingPhase.Backward);
        optimizer.Step();
        clock?.Lap(TrainingPhase.Optimizer);
        var values = (parts.Total.item<float>(), parts.Semantic.item<float>(), parts.Instance?.item<float>() ?? double.NaN);
        clock?.Lap(TrainingPhase.Readout);
        return values;
    }

    /// <summary>
    /// Keeps the encoder fixed — no gradients, BatchNorm statistics and dropout as in eval mode — or trains it again
    /// (call after the epoch's <c>train()</c>): the first epochs of fine-tuning from a pretrained encoder.
    /// </summary>
    public void FreezeEncoder(bool frozen)
    {
        foreach (var n in compute is not null ? [network, compute] : replicas?.Networks ?? [network])
        {
            foreach (var p in n.Model.Encoder.parameters()) p.requires_grad = !frozen;
            n.Model.Encoder.train(!frozen);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        compute?.Dispose();
        replicas?.Dispose();
    }
}
