using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Transforms;

// usage: Ssn.MLNet.OnnxConsumer <model-onnx.zip> <image.png>
// Prints the transformer's type, the class map's SHA-256 and the instance count, then every loaded assembly's name.
var ml = new MLContext(seed: 1);
var model = ml.Model.Load(args[0], out _);
if (model is not SsnOnnxTransformer) throw new InvalidOperationException($"expected an SsnOnnxTransformer, got {model.GetType().Name}");
using var engine = ml.Model.CreatePredictionEngine<SegmentationInput, SegmentationPrediction>(model);
using var image = ImageFile.ReadRgb(args[1]).ToMLImage();
var prediction = engine.Predict(new SegmentationInput { Image = image });
Console.WriteLine($"type={model.GetType().FullName}");
Console.WriteLine($"labels={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(prediction.PredictedLabel))}");
Console.WriteLine($"instances={prediction.GetInstances().Count}");
foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Order())
    Console.WriteLine($"assembly={assembly}");
