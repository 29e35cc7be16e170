namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The stride-2 features ESPNet's light decoder concatenates before its last 3×3 convolution. The authors' code has two
/// versions (sacmehta/ESPNet issues #14, #23, #73): <c>train/Model.py</c> merges the input-reinforced level 1, with which
/// their CamVid weights were trained; <c>test/Model.py</c> merges the level-1 convolution alone, with which their
/// Cityscapes weights were trained (its <c>conv.conv.weight</c> has 16 + C input channels, not 19 + C).
/// </summary>
public enum EspnetLevel1Skip
{
    /// <summary>The level-1 convolution's output concatenated with the image at 1/2, after BN + PReLU: 16 + 3 channels (<c>train/Model.py</c>).</summary>
    Reinforced,

    /// <summary>The level-1 convolution's output after its BN + PReLU: 16 channels (<c>test/Model.py</c>, the Cityscapes weights).</summary>
    Convolution,
}
