namespace Ssn.MLNet.Samples.Jobs;

/// <summary>Dataset layouts the command line reads (see the README's table).</summary>
public enum DatasetFormat
{
    /// <summary>Cityscapes: <c>leftImg8bit/{split}/{city}/…</c> and <c>gtFine/{split}/{city}/…</c> (also the synthetic set).</summary>
    Cityscapes,

    /// <summary>CamVid in the SegNet layout: <c>{split}/</c> and <c>{split}annot/</c>.</summary>
    CamVid,

    /// <summary>PASCAL VOC 2012: <c>JPEGImages/</c>, <c>SegmentationClass/</c>, <c>ImageSets/Segmentation/{split}.txt</c>.</summary>
    Voc,

    /// <summary>An image folder and a mask folder matched by file stem, with a class list.</summary>
    Folders,

    /// <summary>COCO instance annotations: <c>--annotations instances.json --images folder</c> (one file per split).</summary>
    Coco,

    /// <summary>Ultralytics YOLO segmentation: <c>--data dataset.yaml</c> (its <c>train:</c>/<c>val:</c> define the splits).</summary>
    Yolo,
}
