using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;

namespace Ssn.MLNet.Tests.Serving;

/// <summary>A bounded load: <c>requests</c> POSTs of the given images (round robin) with <c>concurrency</c> in flight.</summary>
internal static class ServingLoad
{
    public sealed record Result(int Requests, int Concurrency, int Errors, double P50Ms, double P99Ms, double RequestsPerSecond,
        IReadOnlyDictionary<int, IReadOnlyList<string>> AnswersByImage);

    public static async Task<Result> RunAsync(HttpClient client, IReadOnlyList<byte[]> images, int requests, int concurrency)
    {
        var latencies = new ConcurrentBag<double>();
        var answers = new ConcurrentDictionary<int, ConcurrentBag<string>>();
        int errors = 0, next = -1;
        var clock = Stopwatch.StartNew();
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                int image = i % images.Count;
                using var content = new ByteArrayContent(images[image]);
                content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                var start = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync("/segment", content);
                string body = await response.Content.ReadAsStringAsync();
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); continue; }
                answers.GetOrAdd(image, _ => new()).Add(WithoutTimings(body));
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        double seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Result(requests, concurrency, errors, Percentile(0.50), Percentile(0.99), requests / seconds,
            answers.ToDictionary(a => a.Key, a => (IReadOnlyList<string>)a.Value.ToList()));
    }

    /// <summary>The answer without its "timings" object, which differs from request to request.</summary>
    public static string WithoutTimings(string json)
    {
        int at = json.IndexOf("\"timings\"", StringComparison.Ordinal);
        return at < 0 ? json : json[..at];
    }
}
