using System.Net.Mime;
using Ssn.MLNet.Serving;

// HTTP serving of an Ssn.MLNet model (README "Serving over HTTP"):
//   POST /segment          an image (body with Content-Type image/*, or a multipart form with one file)
//                          -> JSON: classes present, instances (class, score, box, area), timings
//   POST /segment?output=png -> the class map as a palette PNG (pixel value = class index)
//   GET  /health           -> model, backend, classes
//   GET  /openapi/v1.json  -> the OpenAPI description
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOptions<ServingOptions>().Bind(builder.Configuration.GetSection(ServingOptions.Section));
builder.Services.AddSingleton<SegmentationService>();
// A request the endpoint's Accepts list refuses gets 415 from routing, before the handler: say what is accepted.
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
{
    if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
        context.ProblemDetails.Detail = Endpoints.UnsupportedContentType(context.HttpContext.Request.ContentType);
});
builder.Services.AddOpenApi();
builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.Limits.MaxRequestBodySize =
    context.Configuration.GetSection(ServingOptions.Section).Get<ServingOptions>()?.MaxRequestBytes ?? new ServingOptions().MaxRequestBytes);

var app = builder.Build();
app.Services.GetRequiredService<SegmentationService>(); // load the model now: a wrong path fails at start-up, not at the first request
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapOpenApi();

app.MapGet("/health", (SegmentationService service) => service.Health())
    .WithSummary("Model, backend and classes being served.");

app.MapPost("/segment", Endpoints.Segment)
    .Accepts<IFormFile>("image/*", "application/octet-stream", "multipart/form-data")
    .Produces<SegmentResponse>(StatusCodes.Status200OK, MediaTypeNames.Application.Json)
    .Produces(StatusCodes.Status200OK, contentType: "image/png")
    .ProducesProblem(StatusCodes.Status400BadRequest)
    .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
    .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
    .WithSummary("Semantic and instance segmentation of one image.")
    .WithDescription("Send the image as the body (Content-Type image/png, image/jpeg, …) or as the one file of a multipart form. " +
                     "?output=png returns the class map as a palette PNG whose pixel values are class indices instead of JSON.");

app.Run();
