namespace Ssn.MLNet.Tests.RealData;

/// <summary>
/// The real datasets beside the repository (<c>../shared/camvid</c>: the SegNet CamVid train and val splits). A user's clone
/// has no <c>../shared</c>: tests that need it call <see cref="CamVidOrSkip"/>, which marks them inconclusive (skipped) with a
/// message saying what is missing. The images are never copied into the repository.
/// </summary>
internal static class SharedData
{
    /// <summary>The CamVid root (with <c>train/</c>, <c>trainannot/</c>, <c>val/</c>, <c>valannot/</c>), or null.</summary>
    public static string? CamVid => Shared("camvid", "trainannot");

    /// <summary>Ultralytics' COCO128-seg (<c>coco128-seg.yaml</c>, <c>images/</c>, <c>labels/</c>); skips the calling test when it is not there.</summary>
    public static string Coco128OrSkip() => Shared("coco128-seg", "coco128-seg.yaml")
        ?? throw new AssertInconclusiveException("skipped: COCO128-seg not found at ../shared/coco128-seg beside the repository (only the project's own machines have it).");

    /// <summary>The ESPNet authors' release (<c>train/Model.py</c>, <c>pretrained/</c>), or null.</summary>
    public static string? Espnet => Shared(Path.Combine("pretrained", "espnet"), Path.Combine("pretrained", "decoder", "espnet_p_2_q_8_camvid.pth"));

    /// <summary>The ESPNet release; skips the calling test when it is not there.</summary>
    public static string EspnetOrSkip() =>
        Espnet ?? throw new AssertInconclusiveException("skipped: the ESPNet authors' release not found at ../shared/pretrained/espnet beside the repository (only the project's own machines have it).");

    /// <summary>Debian's python3 with PyTorch (<c>apt-get install python3-torch</c>); skips the calling test when it is missing.</summary>
    public static string PythonWithTorchOrSkip()
    {
        const string python = "/usr/bin/python3";
        if (File.Exists(python))
        {
            using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, "-c \"import torch\"") { RedirectStandardError = true });
            probe!.WaitForExit(60_000);
            if (probe.HasExited && probe.ExitCode == 0) return python;
        }
        throw new AssertInconclusiveException("skipped: PyTorch reference needs Debian's python3-torch (/usr/bin/python3 -c 'import torch' failed).");
    }

    /// <summary><c>../shared/<paramref name="folder"/></c> beside the repository if it holds <paramref name="marker"/>, else null.</summary>
    private static string? Shared(string folder, string marker)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ssn.MLNet.sln")))
            {
                string root = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", folder));
                return Path.Exists(Path.Combine(root, marker)) ? root : null;
            }
        return null;
    }

    /// <summary>The CamVid root; skips the calling test when it is not there.</summary>
    public static string CamVidOrSkip() =>
        CamVid ?? throw new AssertInconclusiveException("skipped: real CamVid not found at ../shared/camvid beside the repository (only the project's own machines have it).");
}
