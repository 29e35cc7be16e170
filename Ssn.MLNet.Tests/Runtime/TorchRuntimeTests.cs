using Ssn.MLNet.Trainers.Runtime;
using TorchSharp;

namespace Ssn.MLNet.Tests.Runtime;

[TestClass]
public sealed class TorchRuntimeTests
{
    [TestMethod]
    public void TorchOperationRuns()
    {
        TorchRuntime.EnsureLoaded();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        CollectionAssert.AreEqual(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
        Console.WriteLine($"libLibTorchSharp loaded from {TorchRuntime.LoadedFrom}; weakened: [{string.Join(", ", TorchRuntime.WeakenedVersions)}]");
    }
}
