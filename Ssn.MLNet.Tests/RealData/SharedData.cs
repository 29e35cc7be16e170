namespace Ssn.MLNet.Tests.RealData;

/// <summary>
/// The real datasets beside the repository (<c>../shared/camvid</c>: the SegNet CamVid train and val splits). A user's clone
/// has no <c>../shared</c>: tests that need it call <see cref="CamVidOrSkip"/>, which marks them inconclusive (skipped) with a
/// message saying what is missing. The images are never copied into the repository.
/// </summary>
internal static class SharedData
{
    /// <summary>The CamVid root (with <c>train/</c>, <c>trainannot/</c>, <c>val/</c>, <c>valannot/</c>), or null.</summary>
    public static string? CamVid
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Ssn.MLNet.sln")))
                {
                    string root = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "camvid"));
                    return Directory.Exists(Path.Combine(root, "trainannot")) ? root : null;
                }
            return null;
        }
    }

    /// <summary>The CamVid root; skips the calling test when it is not there.</summary>
    public static string CamVidOrSkip() =>
        CamVid ?? throw new AssertInconclusiveException("skipped: real CamVid not found at ../shared/camvid beside the repository (only the project's own machines have it).");
}
