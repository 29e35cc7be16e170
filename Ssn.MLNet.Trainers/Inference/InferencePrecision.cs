namespace Ssn.MLNet.Trainers.Inference;

/// <summary>Arithmetic of the encoder at inference.</summary>
public enum InferencePrecision
{
    /// <summary>32-bit floats everywhere (default).</summary>
    Float32,

    /// <summary>
    /// The encoder (BN folded) in bfloat16 — on CPUs with AVX512-BF16 oneDNN runs its convolutions at about twice
    /// the fp32 rate; the 1×1 heads, the instance module's sampling (coordinates need fp32's precision), iGUM and
    /// the class map stay in fp32.
    /// </summary>
    BFloat16,
}
