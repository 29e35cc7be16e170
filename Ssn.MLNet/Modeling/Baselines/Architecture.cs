namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>The encoder family of a <see cref="SegmentationModel"/> (paper Table 1).</summary>
public enum Architecture
{
    /// <summary>The Spatial Sampling Network's encoder (paper §5), <see cref="SsnSegmentationEncoder"/>.</summary>
    Ssn,

    /// <summary>ERFNet (Romera et al. 2018, the paper's [48]), <see cref="ErfnetEncoder"/>.</summary>
    Erfnet,

    /// <summary>ENet (Paszke et al. 2016, the paper's [43]), <see cref="EnetEncoder"/>.</summary>
    Enet,

    /// <summary>ESPNet (Mehta et al. 2018, the paper's [40]), <see cref="EspnetEncoder"/>.</summary>
    Espnet,
}
