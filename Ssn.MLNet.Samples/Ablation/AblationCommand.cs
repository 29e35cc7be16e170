using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>
/// <c>ablation --table 1|3|5|6</c>: trains the variants of one of the paper's ablation tables with the same budget,
/// seed and data, and writes <c>tableN.md</c> and <c>tableN.json</c> into <c>--out</c>.
/// </summary>
internal static class AblationCommand
{
    public static Command Create(CliEnvironment env)
    {
        var table = new Option<int>("--table", "-t") { Description = "The paper's table: 1 (decoders: original vs iGUM, + SSN with GUM/bilinear), 3 (LNB design steps), 5 (instance loss), 6 (sampling iterations t).", Required = true };
        var budget = new Option<double?>("--budget-minutes") { Description = "Budget for the whole table in minutes, turned into epochs per variant by a per-table constant calibrated on the project's 2-core CPU (defaults: table 1: 20, 3: 15, 5: 12, 6: 6). Never enforced by the clock: results depend only on seed and budget." };
        var epochs = new Option<int?>("--epochs", "-e") { Description = "Epochs per variant, overriding --budget-minutes (tests, quick looks)." };
        var seed = new Option<int>("--seed") { Description = "Seed of every variant's training.", DefaultValueFactory = _ => MainJobDefaults.Trainer().Seed };
        var output = new Option<string>("--out", "-o") { Description = "Folder for tableN.md and tableN.json.", DefaultValueFactory = _ => "ssn-ablation" };
        var dataset = new DatasetOptions("train");
        dataset.Data.Description = "A real dataset root (as for train); without it the main job's synthetic dataset is used (generated into --synthetic-dir when missing).";
        var valSplit = new Option<string>("--val-split") { Description = "Split the variants are evaluated on (with --data).", DefaultValueFactory = _ => "val" };
        var valImages = new Option<string?>("--val-images") { Description = "Validation image folder (--format folders)." };
        var valMasks = new Option<string?>("--val-masks") { Description = "Validation mask folder (--format folders)." };
        var synthetic = new Option<string>("--synthetic-dir") { Description = "Cache folder of the main job's synthetic dataset (shared with the main job).", DefaultValueFactory = _ => MainJobDefaults.DataDirectory };
        var timingRuns = new Option<int>("--timing-runs") { Description = "Timed forward passes per variant; the median is reported (0 skips timings).", DefaultValueFactory = _ => 10 };
        var timingWarmup = new Option<int>("--timing-warmup") { Description = "Untimed warm-up passes before the timed ones.", DefaultValueFactory = _ => 2 };
        var timingSize = new Option<string>("--timing-size") { Description = "Input size WxH of the timings (the paper's half-resolution Cityscapes).", DefaultValueFactory = _ => "1024x512" };
        var rows = new Option<string?>("--rows") { Description = "Comma-separated subset of rows. Table 1: erfnet/original, erfnet/igum, enet/original, enet/igum, espnet/original, espnet/igum, ssn/igum, ssn/gum, ssn/bilinear; 3: nonbt1d, conv1x1, nobias, prelu, all3, lightweight; 5: l2, l1, smoothl1; 6: 40, 30, 20, 15, 10, 7, 5, 3 (t values evaluated; training is always t = 30)." };
        var network = new Option<NetworkPreset?>("--network") { Description = "Size of the Spatial Sampling Network (default: paper for table 1, small = the main job's for 3, 5, 6); the baselines of table 1 are always their papers' networks." };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = one per core)." };
        var cropWidth = new Option<int>("--crop-width") { Description = "Training crop width (0 = whole image; needed when images differ in size)." };
        var cropHeight = new Option<int>("--crop-height") { Description = "Training crop height (0 = whole image)." };

        var command = new Command("ablation", "Reproduce one of the paper's ablation tables (1, 3, 5, 6): train every variant with the same budget, seed and data, write tableN.md and tableN.json.");
        command.Options.Add(table);
        foreach (var o in new Option[] { budget, epochs, seed, output }) command.Options.Add(o);
        dataset.AddTo(command);
        foreach (var o in new Option[] { valSplit, valImages, valMasks, synthetic, timingRuns, timingWarmup, timingSize, rows, network, threads, cropWidth, cropHeight })
            command.Options.Add(o);

        command.Validators.Add(result =>
        {
            try
            {
                Validate(result);
            }
            catch (InvalidOperationException)
            {
                // A value that did not parse (e.g. --table seven) is reported by the parser itself; reading it throws.
            }
        });

        void Validate(CommandResult result)
        {
            int t = result.GetValue(table);
            if (!AblationTable.Known.Contains(t)) { result.AddError($"--table {t} is not an ablation table; expected one of {string.Join(", ", AblationTable.Known)}."); return; }
            if (result.GetValue(budget) is { } b && !(b > 0 && double.IsFinite(b))) result.AddError($"--budget-minutes must be a positive number of minutes (got {b.ToString(CultureInfo.InvariantCulture)}).");
            if (result.GetValue(epochs) is { } e && e <= 0) result.AddError($"--epochs must be positive (got {e}).");
            if (result.GetValue(timingRuns) < 0) result.AddError("--timing-runs cannot be negative.");
            if (result.GetValue(timingWarmup) < 0) result.AddError("--timing-warmup cannot be negative.");
            // A validator sees only what was typed (defaults are not applied here): an absent --timing-size is fine.
            if (result.GetValue(timingSize) is { Length: > 0 } ts && ParseSize(ts) is null) result.AddError($"--timing-size '{result.GetValue(timingSize)}' is not WIDTHxHEIGHT with positive sizes (e.g. 1024x512).");
            if (result.GetValue(threads) < 0) result.AddError("--threads cannot be negative.");
            if (result.GetValue(cropWidth) < 0 || result.GetValue(cropHeight) < 0) result.AddError("--crop-width and --crop-height cannot be negative.");
            if (result.GetValue(rows) is { } r)
            {
                var keys = AblationTable.For(t).RowKeys;
                var wanted = SplitRows(r);
                if (wanted.Count == 0) result.AddError("--rows names no row.");
                else if (wanted.FirstOrDefault(w => !keys.Contains(w, StringComparer.OrdinalIgnoreCase)) is { } bad)
                    result.AddError($"--rows: table {t} has no row '{bad}'; its rows are {string.Join(", ", keys)}.");
            }
        }

        CommandRunner.SetAction(command, env, async (p, token) =>
        {
            var size = ParseSize(p.GetValue(timingSize))!.Value;
            var spec = p.GetValue(dataset.Data) is null && p.GetValue(dataset.Images) is null ? null : dataset.Read(p);
            var settings = new AblationSettings
            {
                Table = p.GetValue(table),
                BudgetMinutes = p.GetValue(budget),
                Epochs = p.GetValue(epochs),
                Seed = p.GetValue(seed),
                Dataset = spec,
                ValidationSplit = p.GetValue(valSplit)!,
                ValidationFolders = p.GetValue(valImages) is { } vi ? (vi, p.GetValue(valMasks) ?? throw new CliException("--val-images needs --val-masks.")) : null,
                SyntheticDirectory = p.GetValue(synthetic)!,
                OutputDirectory = p.GetValue(output)!,
                TimingRuns = p.GetValue(timingRuns),
                TimingWarmup = p.GetValue(timingWarmup),
                TimingWidth = size.Width,
                TimingHeight = size.Height,
                Rows = p.GetValue(rows) is { } r ? SplitRows(r) : null,
                Network = p.GetValue(network),
                Threads = p.GetValue(threads),
                CropWidth = p.GetValue(cropWidth),
                CropHeight = p.GetValue(cropHeight),
            };
            await RunAsync(env, settings, token);
            return 0;
        });
        return command;
    }

    /// <summary>Runs one table and writes its files; returns the report.</summary>
    public static async Task<AblationReport> RunAsync(CliEnvironment env, AblationSettings settings, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var table = AblationTable.For(settings.Table);
        env.Console.Write(new Rule($"[bold]Ablation: the paper's Table {table.Number}[/]").LeftJustified());
        using var run = await AblationRun.OpenAsync(settings, table, env.Console, token);
        var report = await table.RunAsync(run, table.Select(settings.Rows));
        var (md, json) = report.Write(settings.OutputDirectory);
        env.Output.WriteLine();
        env.Output.WriteLine(report.ToMarkdown());
        env.Console.MarkupLine(Markup.Escape($"Wrote {md} and {json} ({clock.Elapsed.TotalMinutes:F1} min)."));
        return report;
    }

    private static List<string> SplitRows(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).ToList();

    private static (int Width, int Height)? ParseSize(string? value)
    {
        var parts = (value ?? "").Split('x', 'X');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) &&
               int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0
            ? (w, h) : null;
    }
}
