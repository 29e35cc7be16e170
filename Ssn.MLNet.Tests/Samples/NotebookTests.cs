using System.Text.Json;

namespace Ssn.MLNet.Tests.Samples;

/// <summary>
/// The committed quick-start notebook carries its outputs, so a reader sees pictures without running it (CI still
/// re-runs it from scratch, see .ci/run). Refresh them after changing a cell: README "Notebook".
/// </summary>
[TestClass]
public sealed class NotebookTests
{
    [TestMethod]
    public void TheCommittedNotebookShowsItsOutputsAndNoErrors()
    {
        string path = Path.Combine(CommandLineTests.RepoRoot(), "Ssn.MLNet.Samples", "notebooks", "ssn-quickstart.ipynb");
        using var notebook = JsonDocument.Parse(File.ReadAllText(path));
        var code = notebook.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        var outputs = code.Select(c => c.GetProperty("outputs").EnumerateArray().ToList()).ToList();
        Assert.IsFalse(outputs.SelectMany(o => o).Any(o => o.GetProperty("output_type").GetString() == "error"), "an executed cell failed");
        // Every cell but the one that only defines formatters shows something.
        Assert.AreEqual(code.Count - 1, outputs.Count(o => o.Count > 0), "cells without outputs: run the notebook and commit its outputs");
        string all = string.Join("\n", outputs.SelectMany(o => o).Select(o => o.GetRawText()));
        foreach (var picture in new[] { "Training curve", "Confusion matrix", "prediction (left), ground truth (right)" })
            StringAssert.Contains(all, picture);
        Assert.IsGreaterThanOrEqualTo(6, all.Split("data:image/png;base64,").Length - 1, "embedded pictures");
    }
}
