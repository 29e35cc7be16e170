using Ssn.MLNet.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// iGUM's bilinear, border-padded <c>grid_sample</c> for training on the CPU, with libtorch's formulas (coordinates
/// unnormalised with <c>align_corners = false</c>, the project's <see cref="SamplingCoordinates.AlignCorners"/>, clipped to the border with zero gradient outside,
/// out-of-range corners skipped). The full-resolution sampling of the stride-8 logits costs 374 ms forward + backward in
/// libtorch on [8, 19, 46, 60] → 368×480 here, most of it the backward's scattered accumulation; this one gathers and
/// scatters per image in parallel over the batch (no two threads write the same input gradient) with the small input
/// gradient held in cache, and reads each pixel's grid once for all channels.
/// </summary>
internal static class GridSampleTraining
{
    /// <summary>
    /// Bilinear, border-padded grid sampling: through the CPU kernel for contiguous fp32 tensors while gradients are
    /// recorded, otherwise libtorch's <c>grid_sample</c>.
    /// </summary>
    public static Tensor Sample(Tensor input, Tensor grid)
    {
        if (!SamplingCoordinates.AlignCorners && (input.requires_grad || grid.requires_grad) && is_grad_enabled() && input.device_type == DeviceType.CPU
            && input.dtype == ScalarType.Float32 && grid.dtype == ScalarType.Float32 && input.dim() == 4 && grid.dim() == 4
            && input.is_contiguous() && grid.is_contiguous() && input.shape[0] == grid.shape[0])
            return Function.apply(input, grid);
        return nn.functional.grid_sample(input, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, SamplingCoordinates.AlignCorners);
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "SsnGridSampleBorderBilinear";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (input, grid) = ((Tensor)vars[0], (Tensor)vars[1]);
            ctx.save_for_backward(new List<Tensor> { input, grid });
            var output = empty(input.shape[0], input.shape[1], grid.shape[1], grid.shape[2]);
            Run(input, grid, output, null, null, null);
            return output;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var saved = ctx.get_saved_variables();
            var (input, grid) = (saved[0], saved[1]);
            using var g = gradOutput.contiguous();
            var gradInput = zeros_like(input);
            var gradGrid = empty_like(grid);
            Run(input, grid, null, g, gradInput, gradGrid);
            return new List<Tensor> { gradInput, gradGrid };
        }
    }

    /// <summary>Forward (<paramref name="output"/>) or backward (<paramref name="gradOutput"/> → both gradients).</summary>
    private static unsafe void Run(Tensor input, Tensor grid, Tensor? output, Tensor? gradOutput, Tensor? gradInput, Tensor? gradGrid)
    {
        int batch = (int)input.shape[0], channels = (int)input.shape[1], h = (int)input.shape[2], w = (int)input.shape[3];
        long pixels = grid.shape[1] * grid.shape[2];
        fixed (byte* ib = input.bytes, gb = grid.bytes)
        fixed (byte* ob = output is null ? default : output.bytes, gob = gradOutput is null ? default : gradOutput.bytes)
        fixed (byte* gib = gradInput is null ? default : gradInput.bytes, ggb = gradGrid is null ? default : gradGrid.bytes)
        {
            float* inputs = (float*)ib, grids = (float*)gb, outputs = (float*)ob, gradOutputs = (float*)gob, gradInputs = (float*)gib, gradGrids = (float*)ggb;
            Parallel.For(0, batch, IntraOp.Options, b =>
            {
                float* image = inputs + (long)b * channels * h * w;
                float* gridRow = grids + b * pixels * 2;
                for (long p = 0; p < pixels; p++)
                {
                    var (ix, dx) = Unnormalize(gridRow[2 * p], w);
                    var (iy, dy) = Unnormalize(gridRow[2 * p + 1], h);
                    int x0 = (int)MathF.Floor(ix), y0 = (int)MathF.Floor(iy), x1 = x0 + 1, y1 = y0 + 1;
                    float ex = ix - x0, ey = iy - y0, fx = 1 - ex, fy = 1 - ey;
                    bool inX0 = x0 >= 0 && x0 < w, inX1 = x1 >= 0 && x1 < w, inY0 = y0 >= 0 && y0 < h, inY1 = y1 >= 0 && y1 < h;
                    bool nw = inX0 && inY0, ne = inX1 && inY0, sw = inX0 && inY1, se = inX1 && inY1;
                    long inw = (long)y0 * w + x0, ine = inw + 1, isw = inw + w, ise = isw + 1;
                    float wnw = fx * fy, wne = ex * fy, wsw = fx * ey, wse = ex * ey;
                    if (outputs is not null)
                    {
                        float* o = outputs + (long)b * channels * pixels + p;
                        for (int c = 0; c < channels; c++)
                        {
                            float* plane = image + (long)c * h * w;
                            float v = 0;
                            if (nw) v += plane[inw] * wnw;
                            if (ne) v += plane[ine] * wne;
                            if (sw) v += plane[isw] * wsw;
                            if (se) v += plane[ise] * wse;
                            o[(long)c * pixels] = v;
                        }
                        continue;
                    }
                    float gx = 0, gy = 0;
                    float* go = gradOutputs + (long)b * channels * pixels + p;
                    float* gi = gradInputs + (long)b * channels * h * w;
                    for (int c = 0; c < channels; c++)
                    {
                        float gv = go[(long)c * pixels];
                        float* plane = image + (long)c * h * w;
                        float* gplane = gi + (long)c * h * w;
                        if (nw) { float v = plane[inw]; gx -= v * fy * gv; gy -= v * fx * gv; gplane[inw] += wnw * gv; }
                        if (ne) { float v = plane[ine]; gx += v * fy * gv; gy -= v * ex * gv; gplane[ine] += wne * gv; }
                        if (sw) { float v = plane[isw]; gx -= v * ey * gv; gy += v * fx * gv; gplane[isw] += wsw * gv; }
                        if (se) { float v = plane[ise]; gx += v * ey * gv; gy += v * ex * gv; gplane[ise] += wse * gv; }
                    }
                    gradGrids[(b * pixels + p) * 2] = gx * dx;
                    gradGrids[(b * pixels + p) * 2 + 1] = gy * dy;
                }
            });
        }
    }

    /// <summary>Pixel coordinate of a normalised one, clipped to the border, and d(pixel)/d(normalised) (0 where clipped).</summary>
    private static (float Coordinate, float Gradient) Unnormalize(float normalized, int size)
    {
        float coordinate = ((normalized + 1) * size - 1) / 2; // align_corners = false
        if (coordinate < 0) return (0, 0);
        if (coordinate > size - 1) return (size - 1, 0);
        return (coordinate, size / 2f);
    }
}
