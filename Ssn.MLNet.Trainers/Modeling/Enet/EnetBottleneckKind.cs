namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>The main convolution of a non-resampling ENet bottleneck (Paszke et al. 2016, Table 1, "Type").</summary>
public enum EnetBottleneckKind
{
    /// <summary>A 3×3 convolution ("regular" in Table 1), dilated when the dilation exceeds 1 ("dilated d").</summary>
    Regular,

    /// <summary>A 5×1 followed by a 1×5 convolution ("asymmetric 5").</summary>
    Asymmetric,
}
