using Ssn.MLNet.Modeling;

namespace Ssn.MLNet.Instances;

/// <summary>The instance-id map and the list of instances of one image.</summary>
/// <param name="InstanceIds">Row-major map: 0 = no instance, else <see cref="SegmentedInstance.Id"/>.</param>
/// <param name="Instances">The instances, by id.</param>
public sealed record InstanceExtractionResult(int[] InstanceIds, IReadOnlyList<SegmentedInstance> Instances);

/// <summary>
/// Turns the predicted instance centres into instances without clustering (paper §4): pixels of "thing" classes
/// whose predicted centres fall into the same cell form one instance; groups under a minimum area are dropped.
/// The cell is a 2-D id (the paper's x + y sum would collide). O(pixels) plus O(cells).
/// </summary>
public static class InstanceExtractor
{
    /// <summary>Extracts the instances of one image.</summary>
    /// <param name="centreX">Predicted centre x per pixel (normalised coordinates), row-major.</param>
    /// <param name="centreY">Predicted centre y per pixel (normalised).</param>
    /// <param name="labels">Predicted train ids per pixel.</param>
    /// <param name="confidence">Predicted probability of each pixel's label, or empty (scores are then 1).</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="options">Options (default <see cref="InstanceExtractionOptions"/>).</param>
    public static InstanceExtractionResult Extract(ReadOnlySpan<float> centreX, ReadOnlySpan<float> centreY, ReadOnlySpan<byte> labels,
        ReadOnlySpan<float> confidence, int width, int height, InstanceExtractionOptions? options = null)
    {
        options ??= new InstanceExtractionOptions();
        options.Validate();
        int n = checked(width * height);
        if (centreX.Length != n || centreY.Length != n || labels.Length != n || (confidence.Length != 0 && confidence.Length != n))
            throw new ArgumentException($"Centre, label and confidence maps must hold width × height = {n} values.");

        var thingIndex = new int[256];
        Array.Fill(thingIndex, -1);
        for (int k = 0; k < options.ThingClasses.Count; k++) thingIndex[options.ThingClasses[k]] = k;
        int things = options.ThingClasses.Count;
        int cell = options.CellSize;
        int cellsX = (width + cell - 1) / cell, cellsY = (height + cell - 1) / cell, cells = cellsX * cellsY;

        // Pass 1: the cell of every thing pixel, and per-cell sums.
        var cellOf = new int[n];
        var count = new int[cells];
        var sumX = new double[cells];
        var sumY = new double[cells];
        for (int i = 0; i < n; i++)
        {
            // Not a thing, or a centre that is not a number (a broken network output): no instance. A finite centre
            // outside the image falls into the nearest border cell.
            if (thingIndex[labels[i]] < 0 || !float.IsFinite(centreX[i]) || !float.IsFinite(centreY[i])) { cellOf[i] = -1; continue; }
            double px = SamplingCoordinates.ToPixel(centreX[i], width), py = SamplingCoordinates.ToPixel(centreY[i], height);
            int cx = Math.Clamp((int)Math.Floor((px + 0.5) / cell), 0, cellsX - 1);
            int cy = Math.Clamp((int)Math.Floor((py + 0.5) / cell), 0, cellsY - 1);
            int c = cy * cellsX + cx;
            cellOf[i] = c;
            count[c]++;
            sumX[c] += px;
            sumY[c] += py;
        }

        // Merge neighbouring cells whose mean centres are close (a centre on a cell border).
        var root = new int[cells];
        for (int c = 0; c < cells; c++) root[c] = c;
        double merge2 = options.MergeDistance * options.MergeDistance;
        if (merge2 > 0)
            for (int cy = 0; cy < cellsY; cy++)
            for (int cx = 0; cx < cellsX; cx++)
            {
                int c = cy * cellsX + cx;
                if (count[c] == 0) continue;
                foreach (var (dx, dy) in Forward)
                {
                    int nx = cx + dx, ny = cy + dy;
                    if (nx < 0 || nx >= cellsX || ny >= cellsY) continue;
                    int d = ny * cellsX + nx;
                    if (count[d] == 0) continue;
                    double ex = sumX[c] / count[c] - sumX[d] / count[d], ey = sumY[c] / count[c] - sumY[d] / count[d];
                    if (ex * ex + ey * ey < merge2) Union(root, c, d);
                }
            }

        // Pass 2: per-group area, class votes, scores and boxes.
        var groupArea = new int[cells];
        var votes = new int[cells * things];
        var scoreSum = new double[cells * things];
        var box = new int[cells * 4];
        for (int c = 0; c < cells; c++) { box[4 * c] = int.MaxValue; box[4 * c + 1] = int.MaxValue; box[4 * c + 2] = -1; box[4 * c + 3] = -1; }
        for (int i = 0; i < n; i++)
        {
            if (cellOf[i] < 0) continue;
            int g = Find(root, cellOf[i]);
            cellOf[i] = g;
            groupArea[g]++;
            int k = thingIndex[labels[i]];
            votes[g * things + k]++;
            scoreSum[g * things + k] += confidence.Length == 0 ? 1 : confidence[i];
            int x = i % width, y = i / width;
            if (x < box[4 * g]) box[4 * g] = x;
            if (y < box[4 * g + 1]) box[4 * g + 1] = y;
            if (x > box[4 * g + 2]) box[4 * g + 2] = x;
            if (y > box[4 * g + 3]) box[4 * g + 3] = y;
        }

        var idOfGroup = new int[cells];
        var instances = new List<SegmentedInstance>();
        for (int g = 0; g < cells; g++)
        {
            if (groupArea[g] < options.MinArea) continue;
            int best = 0;
            for (int k = 1; k < things; k++) if (votes[g * things + k] > votes[g * things + best]) best = k;
            int id = instances.Count + 1;
            idOfGroup[g] = id;
            instances.Add(new SegmentedInstance(id, options.ThingClasses[best], (float)(scoreSum[g * things + best] / votes[g * things + best]),
                groupArea[g], box[4 * g], box[4 * g + 1], box[4 * g + 2] - box[4 * g] + 1, box[4 * g + 3] - box[4 * g + 1] + 1));
        }
        var ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = cellOf[i] < 0 ? 0 : idOfGroup[cellOf[i]];
        return new InstanceExtractionResult(ids, instances);
    }

    private static readonly (int Dx, int Dy)[] Forward = { (1, 0), (-1, 1), (0, 1), (1, 1) };

    private static int Find(int[] root, int c)
    {
        while (root[c] != c) c = root[c] = root[root[c]];
        return c;
    }

    private static void Union(int[] root, int a, int b)
    {
        a = Find(root, a);
        b = Find(root, b);
        if (a != b) root[Math.Max(a, b)] = Math.Min(a, b);
    }
}
