namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>Regression loss of the instance module (paper Eq. 2 and Table 5).</summary>
public enum InstanceLossKind
{
    /// <summary>Euclidean distance ‖i − î‖₂ averaged over labelled pixels (Eq. 2; the paper's choice).</summary>
    L2,
    /// <summary>|Δx| + |Δy| averaged over labelled pixels (Table 5).</summary>
    L1,
    /// <summary>Smooth L1 (Huber, β = 1) per coordinate, averaged over labelled pixels (Table 5).</summary>
    SmoothL1,
}
