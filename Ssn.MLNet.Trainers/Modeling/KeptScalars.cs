using TorchSharp;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Scalars that live as long as the process. TorchSharp turns the <c>1</c> of <c>a + b</c> / <c>a.add_(b)</c> into a
/// temporary <see cref="Scalar"/> whose native memory a finaliser may free while libtorch still reads it (an
/// intermittent native abort under load); hot paths pass these instead.
/// </summary>
internal static class KeptScalars
{
    /// <summary>The scale 1 of an element-wise addition.</summary>
    public static readonly Scalar One = 1;
}
