namespace Ssn.MLNet.Imaging;

/// <summary>
/// Writes a file through a temporary sibling and a rename, so readers never see a half-written file and a
/// failed write leaves neither a temporary file nor a changed target behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary files (<c>.{name}.{guid}.tmp</c> next to the target).</summary>
    internal const string TempSuffix = ".tmp";

    /// <summary>Creates the target's directory, lets <paramref name="write"/> fill a temporary file, then renames it onto <paramref name="path"/>.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: false);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Creates <paramref name="directory"/> and writes and deletes a probe file in it, so a run fails before its work
    /// rather than when it saves. <paramref name="what"/> names the option or file in the message.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created or written.</exception>
    internal static void RequireWritableDirectory(string directory, string what)
    {
        string probe = Path.Combine(directory, $".write-probe.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            Directory.CreateDirectory(directory);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{what} '{directory}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically to <paramref name="path"/>.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="bytes">The content.</param>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
