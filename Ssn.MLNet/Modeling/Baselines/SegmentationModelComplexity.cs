using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>Parameters and convolution multiply-adds of a <see cref="SegmentationModel"/> (the cost side of the paper's Table 1).</summary>
public static class SegmentationModelComplexity
{
    /// <summary>
    /// Measures <paramref name="model"/> on one <paramref name="height"/>×<paramref name="width"/> image by recording
    /// every convolution's and transposed convolution's sizes during a forward pass in eval mode. Grid sampling,
    /// pooling, unpooling and element-wise work are not counted, as in <see cref="ModelComplexity.Measure"/>.
    /// </summary>
    public static ModelComplexity Measure(SegmentationModel model, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "Height must be positive.");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "Width must be positive.");
        long macs = 0;
        var hooks = new List<Action>();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is Conv2d conv)
            {
                // Each output element: in/groups × kh × kw multiply-adds.
                hooks.Add(conv.register_forward_hook((m, input, output) =>
                {
                    var w = ((Conv2d)m).weight!;
                    macs += output.numel() * w.shape[1] * w.shape[2] * w.shape[3];
                    return output;
                }).remove);
            }
            else if (module is ConvTranspose2d deconv)
            {
                // Each input element is spread over out/groups × kh × kw outputs.
                hooks.Add(deconv.register_forward_hook((m, input, output) =>
                {
                    var w = ((ConvTranspose2d)m).weight!;
                    macs += input.numel() * w.shape[1] * w.shape[2] * w.shape[3];
                    return output;
                }).remove);
            }
        }
        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var device = model.parameters().First().device;
            model.forward(zeros(1, model.InputChannels, height, width, device: device));
        }
        finally
        {
            foreach (var remove in hooks) remove();
            model.train(wasTraining);
        }
        return new ModelComplexity(model.parameters().Sum(p => p.numel()), macs);
    }
}
