using System.Text.RegularExpressions;

namespace Ssn.MLNet.Tests.Samples;

/// <summary>Every package carries a README of its own (PACKAGE.md, packed as README.md by Directory.Build.props): short,
/// naming the package, with no link that only resolves inside the repository (nuget.org shows it out of context).</summary>
[TestClass]
public sealed class PackageReadmeTests
{
    [TestMethod]
    public void EveryPackableProjectHasAReadmeWithoutRelativeLinks()
    {
        string root = CommandLineTests.RepoRoot();
        var packable = Directory.GetFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(p => !Path.GetRelativePath(root, p).StartsWith("tests" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) // consumer apps, built outside
            .Where(p => !File.ReadAllText(p).Contains("<IsPackable>false</IsPackable>", StringComparison.Ordinal)).Order().ToArray();
        CollectionAssert.AreEquivalent(Packaging.PackageFeed.PackedProjects, packable.Select(Path.GetFileNameWithoutExtension).ToArray());
        foreach (string project in packable)
        {
            string readme = Path.Combine(Path.GetDirectoryName(project)!, "PACKAGE.md");
            Assert.IsTrue(File.Exists(readme), $"{project} has no PACKAGE.md");
            string text = File.ReadAllText(readme);
            string id = Regex.Match(File.ReadAllText(project), "<PackageId>([^<]+)</PackageId>") is { Success: true } m ? m.Groups[1].Value : Path.GetFileNameWithoutExtension(project);
            StringAssert.StartsWith(text, $"# {id}\n");
            var relative = Regex.Matches(text, @"\]\((?!https?://)[^)]*\)").Select(m => m.Value).ToArray();
            Assert.IsEmpty(relative, $"{readme}: relative links {string.Join(", ", relative)}");
            Assert.IsLessThan(3000, text.Length, $"{readme} is meant to be short");
        }
    }
}
