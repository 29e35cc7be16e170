using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Parallel loops of the CPU training kernels written here (<see cref="PReluTraining"/>, <see cref="CrossEntropyTraining"/>,
/// the guided grid-sample) use as many threads as libtorch's intra-op setting of the calling thread: the whole machine
/// for one network, one thread for each of two data-parallel replicas on 2 cores (<see cref="DataParallelReplicas"/>),
/// instead of every replica spreading over all cores.
/// </summary>
internal static class IntraOp
{
    /// <summary>Options limiting a <see cref="Parallel"/> loop to the calling thread's libtorch thread count.</summary>
    public static ParallelOptions Options => new() { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
}
