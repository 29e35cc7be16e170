"""The training objective, as `SsnLoss.cs`: cross-entropy with an ignore label (optionally class-weighted) on the
iGUM-upsampled logits, plus the instance regression loss (paper Eq. 2, Table 5) on the upsampled centres over labelled
instance pixels only, with distances in encoder-resolution pixels (1/8 of the padded input)."""
import torch
import torch.nn.functional as F

IGNORE_INDEX = 255  # SegmentationDataSource.IgnoreLabel


def ssn_loss(logits, labels, centres=None, target_centres=None, instance_mask=None, encoder_size=None,
             class_weights=None, instance_loss="l2", semantic_weight=1.0, instance_weight=1.0, ignore_index=IGNORE_INDEX):
    """Returns (total, semantic, instance or None).

    logits [B, C, H, W] and labels [B, H, W] (int64); centres and target_centres [B, 2, H, W] in normalised
    coordinates and instance_mask [B, H, W] (bool) for the instance part; encoder_size = (h, w) of the encoder output.
    instance_loss: "l2" (Eq. 2, the paper's choice), "l1" or "smooth_l1" (Table 5)."""
    semantic = F.cross_entropy(logits, labels, weight=class_weights, ignore_index=ignore_index)
    instance = None
    if centres is not None and target_centres is not None and instance_mask is not None:
        eh, ew = encoder_size
        unit = torch.tensor([ew / 2.0, eh / 2.0], dtype=centres.dtype, device=centres.device).view(1, 2, 1, 1)
        diff = ((centres - target_centres) * unit).permute(0, 2, 3, 1)[instance_mask]  # [N, 2]
        if diff.shape[0] == 0:
            instance = centres.sum() * 0  # keeps the graph: no labelled instance pixel in this batch
        elif instance_loss == "l2":
            instance = (diff.pow(2).sum(1) + 1e-12).sqrt().mean()
        elif instance_loss == "l1":
            instance = diff.abs().sum(1).mean()
        elif instance_loss == "smooth_l1":
            instance = F.smooth_l1_loss(diff, torch.zeros_like(diff), reduction="none").sum(1).mean()
        else:
            raise ValueError(f"instance_loss must be l2, l1 or smooth_l1, not {instance_loss!r}")
    total = semantic * semantic_weight
    if instance is not None:
        total = total + instance * instance_weight
    return total, semantic, instance
