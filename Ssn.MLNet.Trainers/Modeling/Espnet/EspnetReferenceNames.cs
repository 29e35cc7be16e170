using Ssn.MLNet.Trainers.Modeling.Import;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The names the ESPNet authors' <c>train/Model.py</c> (sacmehta/ESPNet, class <c>ESPNet(classes, p, q)</c>) gives the
/// tensors of <see cref="EspnetEncoder"/> + <see cref="EspnetDecoder"/>, so that their published checkpoints load and
/// ours export to their code. Their network and ours are layer for layer the same (checked on their CamVid weights:
/// README "Pretrained models"); only the names differ — and their decoder's first projection is the encoder's
/// classifier, <c>encoder.classifier</c>, which ESPNet-C trains first (§3.3 of their paper).
/// </summary>
internal static class EspnetReferenceNames
{
    public static ReferenceNameMap Map { get; } = new("the ESPNet authors' Model.py (ESPNet(classes, p, q))",
        "ESPNet: p and q are --espnet-alpha2 and --espnet-alpha3 (SsnNetworkOptions.EspnetAlpha2/3), the class count is the classifier's first dimension " +
        "(classes + --void-outputs), and the authors' Cityscapes weights (test/Model.py) need --espnet-level1-skip Convolution (conv.conv.weight with 16 + C inputs, not 19 + C).",
    [
        (@"encoder\.level1Conv\.", "encoder.level1.conv."),
        (@"encoder\.level1Act\.", "encoder.level1."),
        (@"encoder\.level1Merge\.", "encoder.b1."),
        .. Esp(@"encoder\.level([23])Down\.", "encoder.level${1}_0.", strided: true),
        .. Esp(@"encoder\.level([23])\.(\d+)\.", "encoder.level${1}.${2}.", strided: false),
        (@"encoder\.level2Merge\.", "encoder.b2."),
        (@"encoder\.level3Merge\.", "encoder.b3."),
        (@"decoder\.level3Project\.", "encoder.classifier.conv."),
        (@"decoder\.level3Bn\.", "br."),
        (@"decoder\.up3\.", "up_l3.0."),
        (@"decoder\.level2Project\.", "level3_C.conv."),
        (@"decoder\.combineAct\.", "combine_l2_l3.0."),
        .. Esp(@"decoder\.combine\.", "combine_l2_l3.1.", strided: false),
        (@"decoder\.up2\.", "up_l2.0."),
        (@"decoder\.up2Act\.", "up_l2.1."),
        (@"decoder\.level1Merge\.", "conv.conv."),
        (@"decoder\.level1Act\.", "conv."),
        (@"decoder\.up1\.", "classifier."),
    ]);

    /// <summary>
    /// An <see cref="EspModule"/>: reduce → <c>c1</c>, the five dilated branches → <c>d1 d2 d4 d8 d16</c>; BatchNorm and
    /// PReLU are <c>bn</c>/<c>act</c> in their <c>DownSamplerB</c> (strided) and a <c>BR</c> unit <c>bn.bn</c>/<c>bn.act</c>
    /// in their <c>DilatedParllelResidualBlockB</c>.
    /// </summary>
    private static IEnumerable<(string, string)> Esp(string ours, string theirs, bool strided) =>
    [
        (ours + @"reduce\.", theirs + "c1.conv."),
        .. new[] { 1, 2, 4, 8, 16 }.Select((d, i) => (ours + $@"branches\.{i}\.", theirs + $"d{d}.conv.")),
        (ours + @"bn\.", theirs + (strided ? "bn." : "bn.bn.")),
        (ours + @"act\.", theirs + (strided ? "act." : "bn.act.")),
    ];
}
