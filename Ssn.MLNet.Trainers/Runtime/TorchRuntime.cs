using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using TorchSharp;

namespace Ssn.MLNet.Trainers.Runtime;

/// <summary>
/// Makes TorchSharp's native library load on Linux systems whose <c>libstdc++</c> is older than the one it
/// was built against, and turns TorchSharp's misleading load error into one that names the real cause.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> requires the symbol version <c>GLIBCXX_3.4.32</c>
/// (GCC 13) only for a marker symbol that nothing relocates against. Debian 12 and Ubuntu 22.04 stop at
/// <c>GLIBCXX_3.4.30</c>, so <c>dlopen</c> refuses the library.</para>
/// <para>The remedy: first try the library as shipped. Only if the loader reports a missing symbol version,
/// write a copy into a per-user cache directory (never editing the NuGet cache or the build output) in which
/// each missing version requirement that no relocation uses is marked weak (<c>VER_FLG_WEAK</c>), load libtorch
/// from the directory TorchSharp resolves it from, then that copy by absolute path. TorchSharp's own later loads
/// by name are then satisfied by the already loaded libraries.</para>
/// <para>Runs automatically when the assembly is loaded; call <see cref="EnsureLoaded"/> before using
/// <c>TorchSharp.torch</c> directly from code that has not touched Ssn.MLNet.Trainers yet.</para>
/// </remarks>
public static class TorchRuntime
{
    private const string LibTorchSharp = "libLibTorchSharp.so";
    private static readonly object Gate = new();
    private static bool isLoaded;

    /// <summary>Environment variable that overrides the directory where a patched copy is cached.</summary>
    public const string CacheDirectoryVariable = "SSN_MLNET_NATIVE_CACHE";

    /// <summary>
    /// Where the native library was finally loaded from (the shipped file, or the patched copy);
    /// <c>null</c> before <see cref="EnsureLoaded"/> has run or on platforms where TorchSharp loads it itself.
    /// </summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>The symbol versions that had to be weakened to load the library (empty when none).</summary>
    public static IReadOnlyList<string> WeakenedVersions { get; private set; } = Array.Empty<string>();

#pragma warning disable CA2255 // a library module initializer is the point: every host gets the fix without a call
    [ModuleInitializer]
    internal static void LoadOnAssemblyLoad()
#pragma warning restore CA2255
    {
        // Deferred errors: the first explicit EnsureLoaded (every network and transformer calls it) throws them.
        try { EnsureLoaded(); } catch (Exception) { }
    }

    /// <summary>
    /// Loads libtorch and initialises TorchSharp's CPU backend. Idempotent and thread-safe.
    /// </summary>
    /// <exception cref="TorchRuntimeException">The native library cannot be found or loaded; the message names
    /// the file and the real cause (for example a missing symbol version of the system <c>libstdc++</c>).</exception>
    public static void EnsureLoaded()
    {
        if (isLoaded) return;
        lock (Gate)
        {
            if (isLoaded) return;
            if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
                PreloadLinuxNative();
            InitializeTorchSharp();
            isLoaded = true;
        }
    }

    private static void InitializeTorchSharp()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            throw new TorchRuntimeException(
                "TorchSharp could not initialise its native backend" +
                (LoadedFrom is null ? "." : $" although '{LoadedFrom}' was loaded.") +
                $" TorchSharp says: {Innermost(e).Message}", e);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment(string name, string value, int overwrite);

    /// <summary>
    /// Makes libtorch's OpenMP workers sleep rather than spin while they wait (<c>OMP_WAIT_POLICY=PASSIVE</c>), unless
    /// the variable is already set. libgomp reads it once when it loads, so it must be in the native environment
    /// before libtorch is. On a 2-core machine shared with other processes, spinning workers made a 512×1024
    /// inference 2.5–4× slower (measured); on an idle machine the difference is within noise.
    /// </summary>
    private static void PreferPassiveOpenMpWaiting()
    {
        try { SetNativeEnvironment("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    private static void PreloadLinuxNative()
    {
        PreferPassiveOpenMpWaiting();
        var dirs = CandidateDirectories().ToList();
        string? shipped = dirs.Select(d => Path.Combine(d, LibTorchSharp)).FirstOrDefault(File.Exists);
        if (shipped is null)
            throw new TorchRuntimeException(
                $"'{LibTorchSharp}' was not found. Searched: {string.Join(", ", dirs)}. " +
                "The application must reference the libtorch package for its platform (libtorch-cpu-linux-x64 2.10.0, or TorchSharp-cpu): " +
                "Ssn.MLNet.Trainers references the managed TorchSharp package only, as TorchSharp's own convention asks.");
        string libtorchDir = dirs.FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")))
                             ?? Path.GetDirectoryName(shipped)!;

        if (TryLoad(shipped, out string firstError)) { LoadedFrom = shipped; return; }

        var missing = MissingVersions(firstError);
        if (missing.Count == 0)
            throw new TorchRuntimeException($"The native library '{shipped}' could not be loaded: {firstError}");

        // The patched copy lives elsewhere, so its $ORIGIN run path cannot find libtorch. Load libtorch first, by
        // absolute path from the directory .NET itself resolves TorchSharp's natives from: the copy's DT_NEEDED
        // entries then bind to these by soname, and no second libtorch can ever be mapped (which would abort).
        foreach (string dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            if (File.Exists(Path.Combine(libtorchDir, dep)) && !TryLoad(Path.Combine(libtorchDir, dep), out string depError))
                throw new TorchRuntimeException($"The libtorch library '{Path.Combine(libtorchDir, dep)}' could not be loaded: {depError}");
        var patched = PatchedCopy(shipped, missing);
        if (!TryLoad(patched, out string secondError))
            throw new TorchRuntimeException(
                $"The native library '{shipped}' requires {string.Join(", ", missing)} from the system libstdc++, which " +
                $"this machine lacks. A copy with those requirements made weak ('{patched}') did not load either: {secondError}");
        LoadedFrom = patched;
        WeakenedVersions = missing;
    }

    /// <summary>Directories that may hold the native libraries, most specific first.</summary>
    private static IEnumerable<string> CandidateDirectories()
    {
        const string rid = "runtimes/linux-x64/native";
        var roots = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            roots.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        roots.Add(AppContext.BaseDirectory);
        roots.Add(Path.Combine(AppContext.BaseDirectory, rid));
        string? torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
        {
            roots.Add(torchDir);
            roots.Add(Path.Combine(torchDir, rid));
            roots.Add(Path.GetFullPath(Path.Combine(torchDir, "..", "..", rid))); // NuGet layout: lib/net8.0 -> runtimes
            roots.Add(Path.Combine(torchDir, "cpu")); // TorchSharp's notebook consolidation folder
        }
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string libtorchVersion = typeof(torch).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "LibTorchPackageVersion")?.Value ?? "2.10.0";
        roots.Add(Path.Combine(packages, "libtorch-cpu-linux-x64", libtorchVersion, rid));
        return roots.Where(Directory.Exists).Select(Path.GetFullPath).Distinct();
    }

    private static List<string> MissingVersions(string loaderError) =>
        Regex.Matches(loaderError, @"version [`']([A-Za-z_]+_[0-9.]+)' not found")
            .Select(m => m.Groups[1].Value).Distinct().ToList();

    /// <summary>Writes (once per distinct patched content) the patched copy; returns its path.</summary>
    private static string PatchedCopy(string shipped, IReadOnlyList<string> missing)
    {
        byte[] image = File.ReadAllBytes(shipped);
        var elf = new ElfVersionNeeds(image, shipped);
        foreach (string version in missing)
        {
            var reqs = elf.Requirements.Where(r => r.Version == version).ToList();
            if (reqs.Count == 0)
                throw new TorchRuntimeException($"'{shipped}' needs {version}, but it is not among its own version requirements; " +
                                                "it must come from one of its dependencies, which this remedy does not edit.");
            foreach (var r in reqs)
            {
                if (!elf.IsUnreferenced(r.Index))
                    throw new TorchRuntimeException(
                        $"'{shipped}' requires {version} from {r.File}, which this machine's libstdc++ lacks, and symbols of " +
                        "that version are really used, so it cannot be made optional. Install a newer libstdc++ (GCC 13 or later).");
                elf.MakeWeak(r);
            }
        }

        string hash = Convert.ToHexString(SHA256.HashData(elf.Image))[..16].ToLowerInvariant();
        string dir = Path.Combine(CacheRoot(), hash);
        string target = Path.Combine(dir, LibTorchSharp);
        Directory.CreateDirectory(dir);
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(elf.Image))
        {
            string tmp = Path.Combine(dir, $".{LibTorchSharp}.{Environment.ProcessId}.tmp");
            File.WriteAllBytes(tmp, elf.Image);
            File.Move(tmp, target, overwrite: true);
        }
        return target;
    }

    private static string CacheRoot()
    {
        if (Environment.GetEnvironmentVariable(CacheDirectoryVariable) is { Length: > 0 } custom) return custom;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string root = !string.IsNullOrEmpty(xdg) ? xdg : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache") : Path.GetTempPath();
        return Path.Combine(root, "ssn-mlnet", "libtorchsharp");
    }

    private static bool TryLoad(string path, out string error)
    {
        try
        {
            NativeLibrary.Load(path);
            error = "";
            return true;
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}

/// <summary>The native TorchSharp/libtorch runtime could not be loaded; the message names the file and the cause.</summary>
public sealed class TorchRuntimeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchRuntimeException(string message, Exception? inner = null) : base(message, inner) { }
}
