using System.IO.Compression;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Ssn.MLNet.PersistenceProbe;

namespace Ssn.MLNet.Tests.MLNetInterop;

/// <summary>Shared pieces of the MLNetInterop tests: a sample transformer, temp files, zip surgery.</summary>
internal static class ModelFiles
{
    public static PayloadTransformer SamplePayload() =>
        new("Features", "Score", bias: 0.25f, weights: [1.5f, -2f, 0.125f, 3.75f]);

    /// <summary>Score computed here, independently of the transformer, in the same float order.</summary>
    public static string[] ExpectedScores(MLContext ml, PayloadTransformer t) => ml.Data
        .CreateEnumerable<ProbeData.ProbeRow>(ProbeData.Create(ml), reuseRowObject: false)
        .Select(r =>
        {
            float sum = t.Bias;
            for (int i = 0; i < r.Features.Length; i++)
                sum += t.Weights[i] * r.Features[i];
            return sum.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }).ToArray();

    public static string NewTempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ssn-mlnetinterop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static byte[] ReadEntry(string zip, Func<string, bool> select)
    {
        using var archive = ZipFile.OpenRead(zip);
        var entry = archive.Entries.Single(e => select(e.FullName));
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    public static string[] EntryNames(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        return archive.Entries.Select(e => e.FullName).ToArray();
    }

    /// <summary>Copies <paramref name="zip"/> to <paramref name="target"/>, rewriting the single selected entry.</summary>
    public static void RewriteEntry(string zip, string target, Func<string, bool> select, Func<byte[], byte[]> rewrite)
    {
        File.Copy(zip, target, overwrite: true);
        using var archive = ZipFile.Open(target, ZipArchiveMode.Update);
        var entry = archive.Entries.Single(e => select(e.FullName));
        byte[] bytes;
        using (var s = entry.Open())
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            bytes = m.ToArray();
        }
        string name = entry.FullName;
        entry.Delete();
        using var w = archive.CreateEntry(name).Open();
        w.Write(rewrite(bytes));
    }

    /// <summary>Replaces every occurrence of an ASCII string by another of the same length.</summary>
    public static byte[] ReplaceAscii(byte[] bytes, string from, string to)
    {
        Assert.AreEqual(from.Length, to.Length);
        byte[] f = System.Text.Encoding.ASCII.GetBytes(from), t = System.Text.Encoding.ASCII.GetBytes(to);
        var copy = bytes.ToArray();
        int at = copy.AsSpan().IndexOf(f);
        Assert.IsGreaterThanOrEqualTo(0, at, $"'{from}' not found in the entry");
        t.CopyTo(copy, at);
        return copy;
    }

    /// <summary>
    /// Runs the persistence probe in a fresh process with this test assembly's deps.json (so it sees the same
    /// post-processed Ssn.MLNet.dll, but has run no Ssn.MLNet code); returns its exit code and output lines.
    /// </summary>
    public static (int ExitCode, string[] Lines, string Error) RunProbe(params string[] probeArgs)
    {
        string bin = AppContext.BaseDirectory;
        string testAssembly = typeof(ModelFiles).Assembly.GetName().Name!;
        var (code, stdout, stderr) = RunDotnet(new[]
            {
                "exec", "--depsfile", Path.Combine(bin, testAssembly + ".deps.json"),
                "--runtimeconfig", Path.Combine(bin, testAssembly + ".runtimeconfig.json"),
                Path.Combine(bin, "Ssn.MLNet.PersistenceProbe.dll"),
            }.Concat(probeArgs), TimeSpan.FromMinutes(2), "probe process");
        return (code, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), stderr);
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="args"/> and returns its exit code and output. Both streams are read
    /// asynchronously, so the timeout is real: a stuck child fails the test instead of blocking a read forever.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) RunDotnet(IEnumerable<string> args, TimeSpan timeout, string what,
        IReadOnlyDictionary<string, string>? environment = null) =>
        Run(DotnetHost(), args, timeout, what, environment);

    /// <summary>As <see cref="RunDotnet"/> for any program (e.g. Debian's python3 for the PyTorch references); <paramref name="environment"/> adds variables.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string program, IEnumerable<string> args, TimeSpan timeout, string what,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{what} did not finish within {timeout.TotalMinutes:G} minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Path of the dotnet host running the tests, to start fresh processes.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host))
            return host;
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}
