namespace Ssn.MLNet.Data;

/// <summary>
/// Derives independent random seeds from a run seed and two indices, identically in every process. (.NET's
/// <c>HashCode.Combine</c> is randomised per process, so seeds made with it differ between runs.)
/// </summary>
internal static class StableSeed
{
    /// <summary>A non-negative seed for (<paramref name="seed"/>, <paramref name="a"/>, <paramref name="b"/>): SplitMix64's
    /// finaliser over the three numbers, so neighbouring indices get unrelated streams.</summary>
    public static int Mix(int seed, int a, int b)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)a * 0xBF58476D1CE4E5B9UL + (ulong)(uint)b * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
