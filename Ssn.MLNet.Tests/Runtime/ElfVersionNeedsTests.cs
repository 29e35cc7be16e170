using Ssn.MLNet.Trainers.Runtime;

namespace Ssn.MLNet.Tests.Runtime;

[TestClass]
public sealed class ElfVersionNeedsTests
{
    private static string ShippedLibrary()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(path)) Assert.Inconclusive($"no Linux libLibTorchSharp.so at {path}");
        return path;
    }

    [TestMethod]
    public void TheMarkerVersionIsUnreferencedButRealVersionsAreNot()
    {
        string path = ShippedLibrary();
        var elf = new ElfVersionNeeds(File.ReadAllBytes(path), path);
        var marker = elf.Requirements.Single(r => r.Version == "GLIBCXX_3.4.32");
        Assert.AreEqual("libstdc++.so.6", marker.File);
        Assert.IsFalse(marker.IsWeak, "the shipped library requires it strictly (the cause of the load failure)");
        Assert.IsTrue(elf.IsUnreferenced(marker.Index), "no relocation may use GLIBCXX_3.4.32 for the remedy to be safe");
        // GLIBCXX_3.4 (std::string and friends) is used by many relocations: it must never be weakened.
        var used = elf.Requirements.Single(r => r.Version == "GLIBCXX_3.4");
        Assert.IsFalse(elf.IsUnreferenced(used.Index));
    }

    [TestMethod]
    public void MakeWeakChangesOnlyTheFlagsOfThatRequirement()
    {
        string path = ShippedLibrary();
        byte[] original = File.ReadAllBytes(path);
        var elf = new ElfVersionNeeds((byte[])original.Clone(), path);
        var marker = elf.Requirements.Single(r => r.Version == "GLIBCXX_3.4.32");
        elf.MakeWeak(marker);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != elf.Image[i]).ToArray();
        CollectionAssert.AreEqual(new[] { marker.FlagsOffset }, changed);
        var reread = new ElfVersionNeeds(elf.Image, path);
        Assert.IsTrue(reread.Requirements.Single(r => r.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.AreEqual(elf.Requirements.Count(r => r.IsWeak) + 1, reread.Requirements.Count(r => r.IsWeak), "exactly one more weak requirement");
    }

    [TestMethod]
    public void NonElfInputIsRejectedWithTheName()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new ElfVersionNeeds(new byte[100], "/x/not-a-library.so"));
        StringAssert.Contains(e.Message, "/x/not-a-library.so");
    }
}
