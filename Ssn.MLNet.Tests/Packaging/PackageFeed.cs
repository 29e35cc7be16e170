using System.Xml.Linq;
using Ssn.MLNet.Tests.MLNetInterop;
using Ssn.MLNet.Tests.Samples;

namespace Ssn.MLNet.Tests.Packaging;

/// <summary>
/// The packable projects packed into a local feed once per test run, under a version no cache can hold
/// (<c>&lt;Version&gt;-test.&lt;time&gt;</c>), and consumer apps restored from it the way a user's are: copied out of the
/// repository (no Directory.Build.props, no central versions), with a nuget.config that adds the feed, a package folder of
/// their own, and the machine's package cache as a read-only fallback (so only the new packages are extracted).
/// </summary>
internal sealed class PackageFeed
{
    private static readonly Lazy<PackageFeed> Shared = new(() => new PackageFeed(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The projects a user installs: the core, the trainers, the model zoo, and the ssn tool (Ssn.MLNet.Samples).</summary>
    public static readonly string[] PackedProjects = ["Ssn.MLNet", "Ssn.MLNet.Trainers", "Ssn.MLNet.Models", "Ssn.MLNet.Samples"];

    private PackageFeed()
    {
        string repo = CommandLineTests.RepoRoot();
        Root = Path.Combine(Path.GetTempPath(), "ssn-feed-" + Guid.NewGuid().ToString("N"));
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        Packages = Directory.CreateDirectory(Path.Combine(Root, "packages")).FullName;
        var props = XDocument.Load(Path.Combine(repo, "Directory.Build.props"));
        Version = $"{props.Descendants("Version").Single().Value}-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        var versions = XDocument.Load(Path.Combine(repo, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        LibtorchVersion = versions["libtorch-cpu-linux-x64"];
        OnnxRuntimeVersion = versions["Microsoft.ML.OnnxRuntime"];
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        foreach (string project in PackedProjects)
        {
            var (code, stdout, stderr) = ModelFiles.RunDotnet(
                ["pack", Path.Combine(repo, project, project + ".csproj"), "-c", configuration, "-o", Feed, $"-p:PackageVersion={Version}", "-nologo"],
                TimeSpan.FromMinutes(10), $"dotnet pack {project}");
            if (code != 0) throw new InvalidOperationException($"dotnet pack {project} failed:\n{stdout}\n{stderr}");
        }
        string cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? cache;
        NuGetConfig = new XDocument(new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Packages))),
            new XElement("packageSources", new XElement("add", new XAttribute("key", "ssn-test-feed"), new XAttribute("value", Feed))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine-cache"), new XAttribute("value", cache))))).ToString();
    }

    /// <summary>The feed, packed (first use packs; later uses share it).</summary>
    public static PackageFeed Instance => Shared.Value;

    /// <summary>Deletes the feed's folder (packages, extracted packages, apps: close to 1 GB with the GPU runtime), if packed.</summary>
    public static void DeleteIfCreated()
    {
        if (!Shared.IsValueCreated) return;
        try { Directory.Delete(Shared.Value.Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public string Root { get; }
    public string Feed { get; }
    public string Packages { get; }
    public string Version { get; }
    public string LibtorchVersion { get; }
    public string OnnxRuntimeVersion { get; }
    public string NuGetConfig { get; }

    /// <summary>Environment for dotnet commands that restore from the feed (own package folder).</summary>
    public IReadOnlyDictionary<string, string> RestoreEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = Packages };

    /// <summary>Copies tests/<paramref name="app"/> (Program.cs and csproj) out of the repository into a fresh folder with the feed's nuget.config.</summary>
    public string CopyApp(string app, string name)
    {
        string target = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        foreach (string file in Directory.GetFiles(Path.Combine(CommandLineTests.RepoRoot(), "tests", app)).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(target, "nuget.config"), NuGetConfig);
        return target;
    }

    /// <summary>Builds an app copied by <see cref="CopyApp"/> against the packed version; returns the exit code and the whole output.</summary>
    public (int ExitCode, string Output) Build(string appFolder, params string[] properties)
    {
        var (code, stdout, stderr) = ModelFiles.RunDotnet(
            new[] { "build", appFolder, "-c", "Release", "-o", Path.Combine(appFolder, "out"), "-nologo", $"-p:SsnVersion={Version}",
                $"-p:LibtorchVersion={LibtorchVersion}", $"-p:OnnxRuntimeVersion={OnnxRuntimeVersion}" }.Concat(properties.Select(p => "-p:" + p)),
            TimeSpan.FromMinutes(10), $"dotnet build {Path.GetFileName(appFolder)}", RestoreEnvironment);
        return (code, stdout + stderr);
    }
}
