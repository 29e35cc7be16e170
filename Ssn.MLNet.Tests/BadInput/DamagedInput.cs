namespace Ssn.MLNet.Tests.BadInput;

/// <summary>
/// The one step of every fuzz test here: read a damaged file within a time limit, and say whether it was read
/// ("read") or refused with an <see cref="InvalidDataException"/> naming the file ("clear error"); anything else —
/// another exception, no answer (a hang) — fails the test. Seeded damage: a truncation or 1–8 flipped bits.
/// </summary>
internal static class DamagedInput
{
    /// <summary>Runs <paramref name="read"/> on <paramref name="path"/>; <paramref name="check"/> judges what was read.</summary>
    public static string Classify<T>(string path, Func<string, T> read, string what, Action<T>? check = null)
    {
        var task = Task.Run(() => read(path));
        Assert.IsTrue(((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), $"{what}: no answer in 20 s (a hang)");
        switch (task.Exception?.InnerException)
        {
            case null:
                check?.Invoke(task.Result);
                return "read";
            case InvalidDataException clear:
                StringAssert.Contains(clear.Message, path, $"{what}: the error names the file");
                return "clear error";
            case var other:
                throw new AssertFailedException($"{what}: {other.GetType().Name}: {other.Message}");
        }
    }

    /// <summary>A truncated copy of <paramref name="original"/>.</summary>
    public static byte[] Truncated(byte[] original, Random random) => original[..random.Next(original.Length)];

    /// <summary>A copy of <paramref name="original"/> with 1–8 bits flipped.</summary>
    public static byte[] BitFlipped(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        for (int k = random.Next(1, 9); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        return bytes;
    }
}
