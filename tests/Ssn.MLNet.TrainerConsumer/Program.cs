using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.OnnxExport;

// usage: Ssn.MLNet.TrainerConsumer <work folder>
// What a training app built from the packages does: writes a tiny two-class image folder dataset (a bright box on a dark
// background), trains a tiny SSN on it, evaluates, saves and reloads the model with ML.NET, exports ONNX. Prints key=value lines.
string root = args[0];
string images = Directory.CreateDirectory(Path.Combine(root, "images")).FullName;
string masks = Directory.CreateDirectory(Path.Combine(root, "masks")).FullName;
var random = new Random(7);
for (int i = 0; i < 8; i++)
{
    const int width = 64, height = 32;
    var image = new RgbImage(width, height);
    var mask = new Raster<byte>(width, height);
    int x0 = random.Next(0, 32), y0 = random.Next(0, 12), w = random.Next(16, 32), h = random.Next(10, 20);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            bool box = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
            mask[x, y] = box ? (byte)1 : (byte)0;
            for (int c = 0; c < 3; c++)
                image.Pixels[(y * width + x) * 3 + c] = (byte)((box ? 200 : 40) + random.Next(0, 30));
        }
    ImageFile.WriteRgbPng(Path.Combine(images, $"{i}.png"), image);
    LabelPng.WriteGray8(Path.Combine(masks, $"{i}.png"), mask);
}

var ml = new MLContext(seed: 1);
var data = ml.Segmentation().Data.LoadImageFolder(images, masks, ["background", "box"]);
var options = new SpatialSamplingTrainerOptions { Epochs = 20, BatchSize = 4, LearningRate = 5e-3, Seed = 1, Network = SsnNetworkOptions.Tiny(2) };
using var model = ml.Segmentation().Trainers.SpatialSampling(options).Fit(data);
var metrics = ml.Segmentation().Evaluate(model.Transform(data));
Console.WriteLine($"trained={model.GetType().FullName}");
Console.WriteLine($"miou={metrics.MeanIoU:F4}");

string modelPath = Path.Combine(root, "model.zip");
ml.Model.Save(model, data.Schema, modelPath);
var loaded = ml.Model.Load(modelPath, out _);
Console.WriteLine($"loaded={loaded.GetType().FullName}");
Console.WriteLine($"reloaded_miou={ml.Segmentation().Evaluate(loaded.Transform(data)).MeanIoU:F4}");

string onnxPath = Path.Combine(root, "model.onnx");
SsnOnnxExporter.Export(model.Model, onnxPath);
Console.WriteLine($"onnx_bytes={new FileInfo(onnxPath).Length}");
