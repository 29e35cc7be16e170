using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>Size and cost of a network: parameters and convolution multiply-adds at a given input size (the cost side of the paper's Table 1).</summary>
/// <param name="Parameters">Number of parameters.</param>
/// <param name="MultiplyAdds">Multiply-accumulate operations of all convolutions for one image.</param>
public sealed record ModelComplexity(long Parameters, long MultiplyAdds)
{
    /// <summary>Floating-point operations (2 per multiply-add), in units of 10⁹.</summary>
    public double GFlops => 2.0 * MultiplyAdds / 1e9;

    /// <summary>
    /// Measures <paramref name="model"/> on one <paramref name="height"/>×<paramref name="width"/> image by recording
    /// every convolution's and transposed convolution's sizes during a forward pass in eval mode (grid sampling,
    /// pooling, unpooling and element-wise work are not counted; they are small next to the convolutions).
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
