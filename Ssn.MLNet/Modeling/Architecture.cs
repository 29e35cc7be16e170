namespace Ssn.MLNet.Modeling;

/// <summary>The encoder family of a segmentation network (paper Table 1; <see cref="SsnNetworkOptions.Architecture"/>).</summary>
public enum Architecture
{
    /// <summary>The Spatial Sampling Network's encoder (paper §5), <c>SsnEncoder</c>.</summary>
    Ssn,

    /// <summary>ERFNet (Romera et al. 2018, the paper's [48]), <c>ErfnetEncoder</c>.</summary>
    Erfnet,

    /// <summary>ENet (Paszke et al. 2016, the paper's [43]), <c>EnetEncoder</c>.</summary>
    Enet,

    /// <summary>ESPNet (Mehta et al. 2018, the paper's [40]), <c>EspnetEncoder</c>.</summary>
    Espnet,
}
