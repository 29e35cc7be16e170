using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Serving;
using Ssn.MLNet.Tests.BadInput;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Tests.Serving;

/// <summary>
/// The serving sample (Ssn.MLNet.Serving) on a real Kestrel server on a loopback port, called with a real
/// <see cref="HttpClient"/>: answers match an in-process <c>PredictionEngine</c>, bad requests get a 4xx that says why,
/// and a bounded load ends with no errors and identical answers for identical images.
/// </summary>
[TestClass]
public sealed class ServingTests
{
    private const int W = 128, H = 64;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static string root = "", modelPath = "", onnxModelPath = "";
    private static string[] imageFiles = [];
    private static MLContext ml = null!;
    private static SpatialSamplingTransformer torch = null!;
    private static ServingServer server = null!;

    [ClassInitialize]
    public static void Setup(TestContext _)
    {
        root = Path.Combine(Path.GetTempPath(), $"ssn-serving-{Guid.NewGuid():N}");
        ml = new MLContext(seed: 1);
        var images = ml.Segmentation().Data.LoadSyntheticCityscapes(root, new SyntheticCityscapesOptions { Width = W, Height = H, TrainCount = 3, ValCount = 1, Seed = 4 }, "train");
        imageFiles = Directory.GetFiles(Path.Combine(root, "leftImg8bit", "train"), "*.png", SearchOption.AllDirectories).Order().ToArray();
        torch = TestNetworks.CarTransformer(ml);
        modelPath = Path.Combine(root, "model.zip");
        SsnModelFile.Save(ml, torch, images.Schema, modelPath);
        onnxModelPath = Path.Combine(root, "model-onnx.zip");
        using (var onnx = SsnOnnxExporter.ToOnnxTransformer(ml, torch)) SsnModelFile.Save(ml, onnx, images.Schema, onnxModelPath);
        server = ServingServer.Start(("Segmentation:ModelPath", modelPath));
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        server?.Dispose();
        torch?.Dispose();
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    /// <summary>The sample app on Kestrel at 127.0.0.1:(free port), configured by <paramref name="settings"/>.</summary>
    private sealed class ServingServer : WebApplicationFactory<SegmentationService> // any type of the app's assembly
    {
        private readonly (string Key, string Value)[] settings;
        private ServingServer((string, string)[] settings) => this.settings = settings;

        public HttpClient Client { get; private set; } = null!;

        public static ServingServer Start(params (string Key, string Value)[] settings)
        {
            var server = new ServingServer(settings);
            server.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            server.StartServer();
            server.Client = server.CreateClient();
            return server;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }

    private static ByteArrayContent Image(byte[] bytes, string type = "image/png")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static SegmentationPrediction Expected(string file)
    {
        using var engine = ml.Model.CreatePredictionEngine<SegmentationInput, SegmentationPrediction>(torch, new PredictionEngineOptions { OwnsTransformer = false });
        using var image = ImageFile.ReadRgb(file).ToMLImage();
        return engine.Predict(new SegmentationInput { Image = image });
    }

    [TestMethod]
    public async Task TheServerListensOnLoopbackAndReportsItsModel()
    {
        Assert.IsTrue(IPAddress.IsLoopback(IPAddress.Parse(server.Client.BaseAddress!.Host)), server.Client.BaseAddress.ToString());
        var health = await server.Client.GetFromJsonAsync<HealthResponse>("/health", Json);
        Assert.AreEqual("ok", health!.Status);
        Assert.AreEqual("TorchSharp", health.Backend);
        Assert.AreEqual("model.zip", health.Model);
        CollectionAssert.AreEqual(CityscapesLabels.TrainClassNames.ToArray(), health.Classes.ToArray());
        string openApi = await server.Client.GetStringAsync("/openapi/v1.json");
        StringAssert.Contains(openApi, "\"/segment\"");
        StringAssert.Contains(openApi, "multipart/form-data");
    }

    [TestMethod]
    public async Task SegmentAnswersWhatAPredictionEngineAnswers()
    {
        string file = imageFiles[0];
        var expected = Expected(file);
        Assert.IsNotEmpty(expected.InstanceClasses, "the test network should predict instances");
        using var multipart = new MultipartFormDataContent { { Image(File.ReadAllBytes(file)), "image", Path.GetFileName(file) } };
        foreach (HttpContent content in new HttpContent[] { Image(File.ReadAllBytes(file)), multipart })
        {
            using var response = await server.Client.PostAsync("/segment", content);
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
            var answer = (await response.Content.ReadFromJsonAsync<SegmentResponse>(Json))!;
            Assert.AreEqual((W, H, "TorchSharp"), (answer.Width, answer.Height, answer.Backend));
            var counts = expected.PredictedLabel.GroupBy(l => (int)l).ToDictionary(g => g.Key, g => g.Count());
            Assert.HasCount(counts.Count, answer.Classes);
            foreach (var c in answer.Classes)
            {
                Assert.AreEqual(counts[c.Id], c.Pixels, c.Name);
                Assert.AreEqual(CityscapesLabels.TrainClassNames[c.Id], c.Name);
                Assert.AreEqual(c.Pixels / (double)(W * H), c.Fraction, 1e-12);
            }
            var instances = expected.GetInstances();
            Assert.HasCount(instances.Count, answer.Instances);
            for (int k = 0; k < instances.Count; k++)
            {
                var (e, a) = (instances[k], answer.Instances[k]);
                Assert.AreEqual((e.Id, e.ClassId, e.Area, e.X, e.Y, e.Width, e.Height), (a.Id, a.ClassId, a.Area, a.Box.X, a.Box.Y, a.Box.Width, a.Box.Height));
                Assert.AreEqual(e.Score, a.Score, 1e-6f);
                Assert.AreEqual(CityscapesLabels.TrainClassNames[e.ClassId], a.ClassName);
            }
            Assert.IsTrue(answer.Timings.PredictMs > 0 && answer.Timings.TotalMs >= answer.Timings.PredictMs, answer.Timings.ToString());
        }
    }

    [TestMethod]
    public async Task APretrainedModelServesByItsZooName()
    {
        using var zoo = ServingServer.Start(("Segmentation:ModelPath", "camvid-espnet"));
        var health = await zoo.Client.GetFromJsonAsync<HealthResponse>("/health", Json);
        Assert.AreEqual("camvid-espnet", health!.Model);
        CollectionAssert.AreEqual(CamVidDataSource.ClassNamesList.ToArray(), health.Classes.ToArray());
        using var response = await zoo.Client.PostAsync("/segment", Image(File.ReadAllBytes(imageFiles[0])));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        var answer = (await response.Content.ReadFromJsonAsync<SegmentResponse>(Json))!;
        Assert.AreEqual(W * H, answer.Classes.Sum(c => c.Pixels));
        Assert.IsTrue(answer.Classes.All(c => c.Id == SegmentationOutputColumns.NoClass ? c.Name == "no class" : c.Name == CamVidDataSource.ClassNamesList[c.Id]),
            string.Join(", ", answer.Classes.Select(c => $"{c.Id} {c.Name}")));
    }

    [TestMethod]
    public async Task TheClassMapPngHoldsTheClassIndices()
    {
        string file = imageFiles[1];
        using var response = await server.Client.PostAsync("/segment?output=png", Image(File.ReadAllBytes(file)));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("image/png", response.Content.Headers.ContentType!.MediaType);
        string png = Path.Combine(root, "classes.png");
        await File.WriteAllBytesAsync(png, await response.Content.ReadAsByteArrayAsync());
        var labels = LabelPng.ReadVocIndexed(png);
        Assert.AreEqual((W, H), (labels.Width, labels.Height));
        CollectionAssert.AreEqual(Expected(file).PredictedLabel, labels.Data);
    }

    [TestMethod]
    public async Task TheOnnxBackendServesTheSameClassMaps()
    {
        foreach (var settings in new[] { ("Segmentation:ModelPath", modelPath), ("Segmentation:ModelPath", onnxModelPath) })
        {
            using var onnx = ServingServer.Start(settings, ("Segmentation:Backend", settings.Item2 == modelPath ? "Onnx" : "Auto"));
            var health = await onnx.Client.GetFromJsonAsync<HealthResponse>("/health", Json);
            Assert.AreEqual("ONNX Runtime", health!.Backend);
            string file = imageFiles[2];
            using var response = await onnx.Client.PostAsync("/segment?output=png", Image(File.ReadAllBytes(file)));
            string png = Path.Combine(root, $"onnx-{Guid.NewGuid():N}.png");
            await File.WriteAllBytesAsync(png, await response.Content.ReadAsByteArrayAsync());
            var expected = Expected(file).PredictedLabel;
            var actual = LabelPng.ReadVocIndexed(png).Data;
            double agreement = expected.Zip(actual).Count(p => p.First == p.Second) / (double)expected.Length;
            Assert.IsGreaterThanOrEqualTo(0.999, agreement, $"ONNX and TorchSharp class maps agree on {agreement:P2} of the pixels");
        }
    }

    [TestMethod]
    public async Task BadRequestsGetA4xxThatSaysWhy()
    {
        using var strict = ServingServer.Start(("Segmentation:ModelPath", modelPath), ("Segmentation:MaxPixels", "100000"), ("Segmentation:MaxRequestBytes", "200000"));
        byte[] png = File.ReadAllBytes(imageFiles[0]);
        var cases = new (string What, Func<HttpContent> Content, string Query, HttpStatusCode Status, string Says)[]
        {
            ("not an image", () => Image("hello, world"u8.ToArray()), "", HttpStatusCode.BadRequest, "request body"),
            ("truncated PNG", () => Image(png[..(png.Length / 2)]), "", HttpStatusCode.BadRequest, "truncated"),
            ("empty body", () => Image([]), "", HttpStatusCode.BadRequest, "empty"),
            ("wrong content type", () => Image(png, "text/plain"), "", HttpStatusCode.UnsupportedMediaType, "text/plain"),
            ("no content type", () => new ByteArrayContent(png), "", HttpStatusCode.UnsupportedMediaType, "Content-Type"),
            ("a form without files", () => new FormUrlEncodedContent([new("a", "b")]), "", HttpStatusCode.UnsupportedMediaType, "multipart/form-data"),
            ("two files", () => new MultipartFormDataContent { { Image(png), "a", "a.png" }, { Image(png), "b", "b.png" } }, "", HttpStatusCode.BadRequest, "2 files"),
            ("over the pixel limit", () => Image(BadInputTests.PngClaiming(30000, 30000, colorType: 2)), "", HttpStatusCode.RequestEntityTooLarge, "MaxPixels"),
            ("over the body limit", () => Image(new byte[300_000]), "", HttpStatusCode.RequestEntityTooLarge, "too large"),
            ("unknown output", () => Image(png), "?output=gif", HttpStatusCode.BadRequest, "'output'"),
        };
        foreach (var c in cases)
        {
            using var response = await strict.Client.PostAsync("/segment" + c.Query, c.Content());
            string body = await response.Content.ReadAsStringAsync();
            Assert.AreEqual(c.Status, response.StatusCode, $"{c.What}: {body}");
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, c.What);
            StringAssert.Contains(body, c.Says, $"{c.What}: {body}");
        }
        using var fine = await strict.Client.PostAsync("/segment", Image(png));
        Assert.AreEqual(HttpStatusCode.OK, fine.StatusCode, "the server still answers after the bad requests");
    }

    [TestMethod]
    public void AWrongConfigurationFailsAtStartupNamingTheSetting()
    {
        var missing = Assert.Throws<Exception>(() => ServingServer.Start(("Segmentation:ModelPath", Path.Combine(root, "nope.zip"))).Dispose());
        StringAssert.Contains(missing.ToString(), "nope.zip");
        var torchOnOnnx = Assert.Throws<Exception>(() => ServingServer.Start(("Segmentation:ModelPath", onnxModelPath), ("Segmentation:Backend", "Torch")).Dispose());
        StringAssert.Contains(torchOnOnnx.ToString(), "Torch backend cannot run");
        var cudaOnTorch = Assert.Throws<Exception>(() => ServingServer.Start(("Segmentation:ModelPath", modelPath), ("Segmentation:OnnxExecutionProvider", "Cuda")).Dispose());
        StringAssert.Contains(cudaOnTorch.ToString(), "Segmentation:Backend = Onnx");
        var slots = Assert.Throws<Exception>(() => ServingServer.Start(("Segmentation:ModelPath", modelPath), ("Segmentation:MaxConcurrentPredictions", "0")).Dispose());
        StringAssert.Contains(slots.ToString(), "Segmentation:MaxConcurrentPredictions");
    }

    /// <summary>
    /// 200 requests, 8 in flight. Set SSN_SERVING_MODEL (a model file), SSN_SERVING_IMAGES (a folder of PNGs) and
    /// optionally SSN_SERVING_BACKEND to measure a real model; the figures are printed.
    /// </summary>
    [TestMethod]
    public async Task ABoundedLoadEndsWithoutErrorsAndWithIdenticalAnswers()
    {
        string? model = Environment.GetEnvironmentVariable("SSN_SERVING_MODEL"), folder = Environment.GetEnvironmentVariable("SSN_SERVING_IMAGES");
        var files = folder is null ? imageFiles : Directory.GetFiles(folder, "*.png").Order().Take(8).ToArray();
        using var load = ServingServer.Start(("Segmentation:ModelPath", model ?? modelPath),
            ("Segmentation:Backend", Environment.GetEnvironmentVariable("SSN_SERVING_BACKEND") ?? "Auto"));
        var images = files.Select(File.ReadAllBytes).ToArray();
        await ServingLoad.RunAsync(load.Client, images, requests: images.Length, concurrency: 1); // warm-up
        var result = await ServingLoad.RunAsync(load.Client, images, requests: 200, concurrency: 8);
        var health = await load.Client.GetFromJsonAsync<HealthResponse>("/health", Json);
        Console.WriteLine($"serving load: {health!.Model} ({health.Backend}), {files.Length} images of {ImageFile.ReadSize(files[0])}, " +
                          $"{result.Requests} requests, {result.Concurrency} concurrent: p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms, " +
                          $"{result.RequestsPerSecond:F1} requests/s, {result.Errors} errors, {Environment.ProcessorCount} cores");
        Assert.AreEqual(0, result.Errors);
        Assert.HasCount(images.Length, result.AnswersByImage);
        foreach (var (image, answers) in result.AnswersByImage)
        {
            Assert.AreEqual(1, answers.Distinct().Count(), $"image {image}: different answers to the same image");
            StringAssert.Contains(answers[0], "\"classes\"");
        }
    }
}
