using Ssn.MLNet.Instances;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>Small helpers shared by the network tests.</summary>
internal static class TestData
{
    /// <summary>Centre targets [B, 2, H, W] and mask [B, H, W] for a batch of int32 instance maps [B, H, W].</summary>
    public static (Tensor Targets, Tensor Mask) CentreTargets(Tensor ids)
    {
        long b = ids.shape[0], h = ids.shape[1], w = ids.shape[2];
        int n = (int)(h * w);
        var cx = new float[b * n];
        var cy = new float[b * n];
        var mask = new bool[b * n];
        var all = ids.contiguous().data<int>().ToArray();
        for (int i = 0; i < b; i++)
            InstanceCentres.Compute(all.AsSpan(i * n, n), (int)w, (int)h, cx.AsSpan(i * n, n), cy.AsSpan(i * n, n), mask.AsSpan(i * n, n));
        var targets = stack(new[] { tensor(cx).view(b, h, w), tensor(cy).view(b, h, w) }, 1);
        return (targets, tensor(mask).view(b, h, w));
    }
}
