using Ssn.MLNet.Imaging;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Serving;

/// <summary>The request handlers: every bad request gets a 4xx problem that says what is wrong.</summary>
internal static class Endpoints
{
    public static async Task<IResult> Segment(HttpRequest request, SegmentationService service, string? output, CancellationToken cancellation)
    {
        if (output is not (null or "json" or "png"))
            return Problem(StatusCodes.Status400BadRequest, $"Query parameter 'output' must be json or png (got '{output}').");
        byte[] bytes;
        string name;
        try
        {
            (bytes, name) = await ReadImage(request, cancellation);
        }
        catch (BadHttpRequestException e) // the body is over MaxRequestBytes, or the form is malformed
        {
            return Problem(e.StatusCode, e.Message);
        }
        catch (InvalidDataException e) // multipart form with no file, or an unreadable form
        {
            return Problem(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (NotSupportedException e)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, e.Message);
        }
        if (bytes.Length == 0)
            return Problem(StatusCodes.Status400BadRequest, "The request body is empty: send an image (Content-Type image/png, image/jpeg, …) or a multipart form with one file.");

        RgbImage image;
        SegmentationPrediction prediction;
        Timings timings;
        try
        {
            var (width, height) = ImageFile.ReadSize(bytes, name); // from the header: refuse before decoding
            if (service.IsTooLarge(width, height, out string tooLarge))
                return Problem(StatusCodes.Status413PayloadTooLarge, tooLarge);
            (image, prediction, timings) = await service.SegmentAsync(bytes, name, cancellation);
        }
        catch (InvalidDataException e)
        {
            return Problem(StatusCodes.Status400BadRequest, e.Message);
        }

        if (output == "png")
        {
            using var png = new MemoryStream();
            LabelPng.WriteVocIndexed(png, new Raster<byte>(image.Width, image.Height, prediction.PredictedLabel));
            return Results.File(png.ToArray(), "image/png", Path.ChangeExtension(name, null) + "_classes.png");
        }
        return Results.Json(Describe(service, image, prediction, timings));
    }

    private static SegmentResponse Describe(SegmentationService service, RgbImage image, SegmentationPrediction prediction, Timings timings)
    {
        var names = service.ClassNames;
        string Name(int c) => c < names.Count ? names[c] : c == SegmentationOutputColumns.NoClass ? "no class" : $"class {c}";
        var counts = new int[Math.Max(names.Count, 256)];
        foreach (byte label in prediction.PredictedLabel) counts[label]++;
        double all = prediction.PredictedLabel.Length;
        var classes = Enumerable.Range(0, counts.Length).Where(c => counts[c] > 0)
            .Select(c => new ClassPresence(c, Name(c), counts[c], counts[c] / all))
            .OrderByDescending(c => c.Pixels).ThenBy(c => c.Id).ToList();
        var instances = prediction.GetInstances()
            .Select(i => new InstanceResult(i.Id, i.ClassId, Name(i.ClassId),
                i.Score, i.Area, new Box(i.X, i.Y, i.Width, i.Height)))
            .ToList();
        return new SegmentResponse(image.Width, image.Height, service.Backend, classes, instances, timings);
    }

    /// <summary>The image's bytes and a name for messages, from a raw body or a multipart form's one file.</summary>
    private static async Task<(byte[] Bytes, string Name)> ReadImage(HttpRequest request, CancellationToken cancellation)
    {
        string type = request.ContentType ?? "";
        if (request.HasFormContentType)
        {
            if (!type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                throw new NotSupportedException($"Content-Type '{type}' is a form without files: send a multipart/form-data form with one image file, or the image itself.");
            var form = await request.ReadFormAsync(cancellation);
            var file = form.Files.Count == 1 ? form.Files[0]
                : throw new InvalidDataException($"The multipart form holds {form.Files.Count} files; send exactly one image file.");
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy, cancellation);
            return (copy.ToArray(), string.IsNullOrEmpty(file.FileName) ? file.Name : Path.GetFileName(file.FileName));
        }
        if (!type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException(UnsupportedContentType(type));
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellation);
        return (body.ToArray(), "request body");
    }

    /// <summary>The message of a 415: what was sent and what is accepted.</summary>
    public static string UnsupportedContentType(string? type) => string.IsNullOrEmpty(type)
        ? "The request has no Content-Type: send the image with Content-Type image/png, image/jpeg, … or as a multipart/form-data form with one file."
        : $"Content-Type '{type}' is not accepted: send the image with Content-Type image/png, image/jpeg, … (or application/octet-stream), or as a multipart/form-data form with one file.";

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
