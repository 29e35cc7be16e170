using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The class-weighted cross-entropy of full-resolution logits, for training on the CPU: the same loss as libtorch's
/// <c>cross_entropy(logits, labels, weights, ignore_index)</c> (weighted mean over labelled pixels), computed plane by
/// plane over contiguous pixel runs so that every pass is a vectorised stream. libtorch reduces log-softmax across the
/// channel dimension, whose elements lie a whole plane apart (fwd+bwd measured 249 ms on [8, 19, 368, 480] here); the
/// backward writes softmax − one-hot scaled by the pixel's weight directly.
/// </summary>
internal static class CrossEntropyTraining
{
    private const int Run = 4096;

    /// <summary>
    /// The weighted mean cross-entropy: through the fused CPU kernel for contiguous fp32 logits <c>[B, C, H, W]</c> with
    /// int64 labels while gradients are recorded, otherwise libtorch's <c>cross_entropy</c>.
    /// </summary>
    public static Tensor Compute(Tensor logits, Tensor labels, Tensor? weights, long ignoreIndex)
    {
        if (logits.requires_grad && is_grad_enabled() && logits.device_type == DeviceType.CPU && logits.dtype == ScalarType.Float32
            && logits.dim() == 4 && logits.is_contiguous() && labels.dtype == ScalarType.Int64 && labels.is_contiguous()
            && (weights is null || weights.device_type == DeviceType.CPU))
            return Function.apply(logits, labels, weights ?? ones(logits.shape[1]), ignoreIndex);
        return nn.functional.cross_entropy(logits, labels, weights, ignore_index: ignoreIndex);
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "SsnCrossEntropy";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (logits, labels, weights, ignore) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (long)vars[3]);
            long batch = logits.shape[0], classes = logits.shape[1], plane = logits.shape[2] * logits.shape[3];
            float[] w = Weights(weights, classes);
            var lse = empty(batch, plane);
            long runs = (plane + Run - 1) / Run;
            var loss = new double[batch * runs];
            var norm = new double[batch * runs];
            Forward(logits.bytes, labels.bytes, lse.bytes, w, loss, norm, (int)classes, plane, runs, ignore);
            double total = loss.Sum(), count = norm.Sum();
            ctx.save_for_backward(new List<Tensor> { logits, labels, lse });
            ctx.save_data("weights", w);
            ctx.save_data("norm", count);
            ctx.save_data("ignore", ignore);
            // An image with no labelled pixel gives 0/0 = NaN, as libtorch does.
            return tensor((float)(total / count));
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var saved = ctx.get_saved_variables();
            var (logits, labels, lse) = (saved[0], saved[1], saved[2]);
            var w = (float[])ctx.get_data("weights");
            double norm = (double)ctx.get_data("norm");
            long ignore = (long)ctx.get_data("ignore");
            float scale = (float)(gradOutput.item<float>() / norm);
            long batch = logits.shape[0], classes = logits.shape[1], plane = logits.shape[2] * logits.shape[3];
            var grad = empty_like(logits);
            Backward(logits.bytes, labels.bytes, lse.bytes, grad.bytes, w, scale, (int)classes, plane, (plane + Run - 1) / Run, batch, ignore);
            return new List<Tensor> { grad, null!, null!, null! };
        }

        private static float[] Weights(Tensor weights, long classes)
        {
            using var cpu = weights.detach().to(ScalarType.Float32).contiguous();
            var w = cpu.data<float>().ToArray();
            if (w.Length != classes) throw new ArgumentException($"{w.Length} class weights for {classes} classes.", nameof(weights));
            return w;
        }
    }

    private static unsafe void Forward(Span<byte> logits, Span<byte> labels, Span<byte> lse, float[] w, double[] loss, double[] norm,
        int classes, long plane, long runs, long ignore)
    {
        fixed (byte* xb = logits, yb = labels, lb = lse)
        {
            float* x = (float*)xb, l = (float*)lb;
            long* y = (long*)yb;
            Parallel.For(0, loss.Length, IntraOp.Options, job =>
            {
                long b = job / runs, start = job % runs * Run;
                int n = (int)Math.Min(Run, plane - start);
                float* image = x + b * classes * plane;
                var max = new Span<float>(l + b * plane + start, n); // lse is built in place: max, then max + log Σ exp
                var sum = new float[n];
                var tmp = new float[n];
                new ReadOnlySpan<float>(image + start, n).CopyTo(max);
                for (int c = 1; c < classes; c++) TensorPrimitives.Max(max, new ReadOnlySpan<float>(image + c * plane + start, n), max);
                for (int c = 0; c < classes; c++)
                {
                    TensorPrimitives.Subtract(new ReadOnlySpan<float>(image + c * plane + start, n), max, tmp);
                    TensorPrimitives.Exp(tmp, tmp);
                    TensorPrimitives.Add(sum, tmp, sum);
                }
                TensorPrimitives.Log(sum, sum);
                TensorPrimitives.Add(max, sum, max);
                double jobLoss = 0, jobNorm = 0;
                long* labelRun = y + b * plane + start;
                for (int i = 0; i < n; i++)
                {
                    long label = labelRun[i];
                    if (label == ignore) continue;
                    if ((ulong)label >= (ulong)classes) throw new ArgumentException($"Label {label} is outside 0–{classes - 1} (and not the ignore index {ignore}).");
                    float wy = w[label];
                    jobLoss += wy * (max[i] - image[label * plane + start + i]);
                    jobNorm += wy;
                }
                loss[job] = jobLoss;
                norm[job] = jobNorm;
            });
        }
    }

    private static unsafe void Backward(Span<byte> logits, Span<byte> labels, Span<byte> lse, Span<byte> grad, float[] w, float scale,
        int classes, long plane, long runs, long batch, long ignore)
    {
        fixed (byte* xb = logits, yb = labels, lb = lse, gb = grad)
        {
            float* x = (float*)xb, l = (float*)lb, g = (float*)gb;
            long* y = (long*)yb;
            Parallel.For(0, batch * runs, IntraOp.Options, job =>
            {
                long b = job / runs, start = job % runs * Run;
                int n = (int)Math.Min(Run, plane - start);
                long offset = b * classes * plane + start;
                var coefficient = new float[n];
                long* labelRun = y + b * plane + start;
                for (int i = 0; i < n; i++) coefficient[i] = labelRun[i] == ignore ? 0f : scale * w[labelRun[i]];
                var logSumExp = new ReadOnlySpan<float>(l + b * plane + start, n);
                for (int c = 0; c < classes; c++)
                {
                    var output = new Span<float>(g + offset + c * plane, n);
                    TensorPrimitives.Subtract(new ReadOnlySpan<float>(x + offset + c * plane, n), logSumExp, output);
                    TensorPrimitives.Exp(output, output);
                    TensorPrimitives.Multiply(output, coefficient, output);
                }
                for (int i = 0; i < n; i++)
                    if (labelRun[i] != ignore) g[offset + labelRun[i] * plane + i] -= coefficient[i];
            });
        }
    }
}
