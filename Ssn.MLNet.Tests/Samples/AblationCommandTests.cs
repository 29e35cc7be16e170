using System.Text.Json;
using Ssn.MLNet.Samples.Ablation;
using static Ssn.MLNet.Tests.Samples.CliHarness;

namespace Ssn.MLNet.Tests.Samples;

/// <summary>
/// The <c>ablation</c> verb: parsing and the error contract, the budget → epochs rule, and every table run in-process
/// with <c>--epochs 1</c> on a tiny synthetic dataset (128×64 so that some ground-truth instances reach the official
/// 100-pixel minimum and AP is defined; 6 train + 3 val), checking the rows and numbers of both output files.
/// </summary>
[TestClass]
[DoNotParallelize] // training seeds libtorch's process-wide generator
public sealed class AblationCommandTests
{
    private static string work = "", data = "";

    /// <summary>Tiny and fast: 1 epoch, one timed pass at 64×32, no warm-up.</summary>
    private static readonly string[] Quick = { "--epochs", "1", "--timing-runs", "1", "--timing-warmup", "0", "--timing-size", "64x32", "--threads", "2" };

    [ClassInitialize]
    public static void Generate(TestContext _)
    {
        work = Path.Combine(Path.GetTempPath(), $"ssn-ablation-{Guid.NewGuid():N}");
        data = Path.Combine(work, "data");
        var generate = Invoke("generate", "--out", data, "--width", "128", "--height", "64", "--train-images", "6", "--val-images", "3", "--seed", "5", "--no-color-images");
        Assert.AreEqual(0, generate.Code, generate.Error);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
    }

    /// <summary>Runs a table and returns the markdown and the parsed JSON.</summary>
    private static (string Markdown, JsonElement Json) RunTable(int table, params string[] extra)
    {
        string outDir = Path.Combine(work, $"out{table}");
        var run = Invoke(["ablation", "--table", table.ToString(), "--data", data, "--out", outDir, .. Quick, .. extra]);
        Assert.AreEqual(0, run.Code, run.Error + run.Output);
        Assert.AreEqual(0, Directory.GetFiles(outDir, "*.tmp").Length, "no temporary file is left behind");
        string md = File.ReadAllText(Path.Combine(outDir, $"table{table}.md"));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, $"table{table}.json"))).RootElement.Clone();
        Assert.AreEqual(table, json.GetProperty("table").GetInt32());
        Assert.AreEqual(1, json.GetProperty("epochs").GetInt32());
        Assert.AreEqual(JsonValueKind.Null, json.GetProperty("budgetMinutes").ValueKind, "--epochs overrides the budget");
        Assert.AreEqual(1, json.GetProperty("seed").GetInt32());
        Assert.AreEqual(Path.GetFullPath(data), json.GetProperty("datasetRoot").GetString());
        Assert.AreEqual(128, json.GetProperty("imageSize").GetProperty("width").GetInt32());
        Assert.AreEqual(64, json.GetProperty("imageSize").GetProperty("height").GetInt32());
        Assert.AreEqual(6, json.GetProperty("trainImages").GetInt32());
        Assert.AreEqual(3, json.GetProperty("valImages").GetInt32());
        StringAssert.Contains(md, $"**Table {table} (ablation).**");
        StringAssert.Contains(md, "trained 1 epoch ");
        return (md, json);
    }

    /// <summary>The rows of the JSON, and the markdown's table lines after the header and separator.</summary>
    private static (JsonElement[] Rows, string[] Lines) Rows(string md, JsonElement json)
    {
        var rows = json.GetProperty("rows").EnumerateArray().ToArray();
        var lines = md.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(2).ToArray();
        Assert.AreEqual(rows.Length, lines.Length, "one markdown line per JSON row");
        return (rows, lines);
    }

    private static void AssertFinite(JsonElement row, params string[] keys)
    {
        foreach (var key in keys)
        {
            Assert.AreEqual(JsonValueKind.Number, row.GetProperty(key).ValueKind, $"{key} in {row}");
            double v = row.GetProperty(key).GetDouble();
            Assert.IsTrue(double.IsFinite(v) && v >= 0, $"{key} = {v}");
        }
    }

    [TestMethod]
    public void HelpDescribesTheVerb()
    {
        var run = Invoke("ablation", "--help");
        Assert.AreEqual(0, run.Code);
        foreach (var option in new[] { "--table", "--budget-minutes", "--epochs", "--out", "--data", "--rows", "--timing-runs" })
            StringAssert.Contains(run.Output, option);
        StringAssert.Contains(Invoke("--help").Output, "ablation");
    }

    [TestMethod]
    public void BadInputGivesOneErrorLineAndExitCode2()
    {
        AssertOneLineError(Invoke("ablation", "--table", "2"), 2, "--table 2");
        AssertOneLineError(Invoke("ablation", "--table", "seven"), 2, "seven");
        AssertOneLineError(Invoke("ablation"), 2, "--table");
        AssertOneLineError(Invoke("ablation", "--table", "5", "--budget-minutes", "0"), 2, "--budget-minutes");
        AssertOneLineError(Invoke("ablation", "--table", "5", "--budget-minutes", "-3"), 2, "--budget-minutes");
        AssertOneLineError(Invoke("ablation", "--table", "6", "--epochs", "0"), 2, "--epochs");
        AssertOneLineError(Invoke("ablation", "--table", "5", "--rows", "l3"), 2, "l3");
        AssertOneLineError(Invoke("ablation", "--table", "6", "--timing-size", "1024"), 2, "--timing-size");
        AssertOneLineError(Invoke("ablation", "--table", "6", "--data", Path.Combine(work, "missing")), 1, "missing");
    }

    [TestMethod]
    public void TheBudgetBecomesEpochsByAFixedRule()
    {
        // Worked by hand from the tables' documented budgets and rates: 20 min × 0.5, 15 × 1.4, 12 × 2.8 = 33.6, 6 × 8.
        var byHand = new Dictionary<int, int> { [1] = 10, [3] = 21, [5] = 34, [6] = 48 };
        CollectionAssert.AreEquivalent(byHand.Keys.ToArray(), AblationTable.Known.ToArray());
        foreach (var (n, epochs) in byHand)
        {
            var table = AblationTable.For(n);
            Assert.AreEqual(epochs, table.EpochsFor(table.DefaultBudgetMinutes), $"table {n}");
            Assert.AreEqual(1, table.EpochsFor(1e-6), "at least one epoch");
        }
        Assert.AreEqual(3, AblationTable.For(1).EpochsFor(5), "5 min × 0.5 = 2.5 epochs rounds away from zero, not to even");
    }

    [TestMethod]
    public void Table5TrainsOneNetworkPerInstanceLoss()
    {
        var (md, json) = RunTable(5, "--network", "tiny");
        var (rows, lines) = Rows(md, json);
        CollectionAssert.AreEqual(new[] { "L2", "L1", "Smooth L1" }, rows.Select(r => r.GetProperty("loss").GetString()).ToArray());
        foreach (var row in rows) AssertFinite(row, "meanIoU", "ap", "ap50", "boundaryMeanIoU");
        StringAssert.StartsWith(lines[2], "| Smooth L1 | ");
        Assert.AreEqual(3, json.GetProperty("trainSeconds").EnumerateObject().Count(), "three trainings");
    }

    [TestMethod]
    public void Table6EvaluatesOneT30NetworkAtEveryT()
    {
        var (md, json) = RunTable(6, "--network", "tiny");
        var (rows, lines) = Rows(md, json);
        CollectionAssert.AreEqual(new[] { 40, 30, 20, 15, 10, 7, 5, 3 }, rows.Select(r => r.GetProperty("t").GetInt32()).ToArray());
        foreach (var row in rows) AssertFinite(row, "ap", "ap50", "instanceModuleMs", "inferenceMs", "fps", "meanIoU");
        Assert.AreEqual(1, json.GetProperty("trainSeconds").EnumerateObject().Count(), "one training for all t");
        Assert.AreEqual(30, json.GetProperty("trainedSteps").GetInt32());
        Assert.AreEqual(1, rows.Select(r => r.GetProperty("meanIoU").GetDouble()).Distinct().Count(), "t does not change the class map");
        StringAssert.StartsWith(lines[^1], "| 3 | ");
        StringAssert.Contains(md, "**ms** is the instance module alone");
    }

    [TestMethod]
    public void Table1TrainsEveryEncoderWithItsOriginalDecoderAndIGum()
    {
        var (md, json) = RunTable(1);
        var (rows, lines) = Rows(md, json);
        CollectionAssert.AreEqual(
            new[] { "erfnet/original", "erfnet/igum", "enet/original", "enet/igum", "espnet/original", "espnet/igum", "ssn/igum", "ssn/gum", "ssn/bilinear" },
            rows.Select(r => r.GetProperty("key").GetString()).ToArray());
        foreach (var row in rows) AssertFinite(row, "meanIoU", "boundaryMeanIoU", "fps", "ms", "parameters");
        foreach (var row in rows) Assert.IsTrue(row.GetProperty("boundaryPixels").GetInt64() > 0, "the val labels have class boundaries");
        Assert.AreEqual(9, json.GetProperty("trainSeconds").EnumerateObject().Count());
        Assert.IsTrue(rows[0].GetProperty("parameters").GetInt64() > 1_500_000, "ERFNet is the full-size network");
        StringAssert.StartsWith(lines[0], "| ERFNet | original | ");
        StringAssert.StartsWith(lines[^1], "| SSN (ours) | bilinear | ");
        StringAssert.Contains(md, "BatchNorm left unfolded in every row");
    }

    [TestMethod]
    public void Table3TrainsEveryLnbDesignStep()
    {
        var (md, json) = RunTable(3, "--network", "tiny");
        var (rows, lines) = Rows(md, json);
        CollectionAssert.AreEqual(new[] { "nonbt1d", "conv1x1", "nobias", "prelu", "all3", "lightweight" }, rows.Select(r => r.GetProperty("key").GetString()).ToArray());
        foreach (var row in rows) AssertFinite(row, "meanIoU", "fps", "ms", "fpsPaperSize", "parameters");
        Assert.IsFalse(rows[0].GetProperty("conv1x1").GetBoolean());
        Assert.IsTrue(rows[^1].GetProperty("moved1x1").GetBoolean());
        Assert.IsTrue(rows[1].GetProperty("parameters").GetInt64() < rows[0].GetProperty("parameters").GetInt64(), "1×1 convolutions have fewer weights than 3×1/1×3");
        StringAssert.StartsWith(lines[0], "| Non-bt-1D |  |  |  |  | ");
        StringAssert.StartsWith(lines[^1], "| Lightweight Non-bt-1D | ✓ | ✓ | ✓ | ✓ | ");
    }

    [TestMethod]
    public void RowsSelectsASubsetInTableOrder()
    {
        var (md, json) = RunTable(6, "--network", "tiny", "--rows", "3,30");
        var (rows, _) = Rows(md, json);
        CollectionAssert.AreEqual(new[] { 30, 3 }, rows.Select(r => r.GetProperty("t").GetInt32()).ToArray());
    }
}
