using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace OrderActors.Benchmarks.Load;

/// <summary>
/// A closed-loop load generator for the HTTP API: <c>load --url URL [--seconds 20] [--concurrency 32]
/// [--warmup 5] [--skus 256]</c>. It stocks <c>--skus</c> SKUs with plenty of units (ops key), then
/// <c>--concurrency</c> workers each place one-line orders back to back for <c>--warmup</c> + <c>--seconds</c>
/// seconds, and it prints orders/s and latency percentiles over the measured part. Keys default to the
/// Development keys (<c>--storefront-key</c>, <c>--ops-key</c> override them).
/// </summary>
public static class OrderLoad
{
    /// <summary>Runs the load and prints one result line; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        var url = new Uri(Get(options, "url", "http://127.0.0.1:5080"));
        var seconds = int.Parse(Get(options, "seconds", "20"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Get(options, "warmup", "5"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Get(options, "concurrency", "32"), CultureInfo.InvariantCulture);
        var skus = int.Parse(Get(options, "skus", "256"), CultureInfo.InvariantCulture);
        var run = Get(options, "run", DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture));

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var ops = Client(handler, url, Get(options, "ops-key", "dev-ops-key"));
        using var storefront = Client(handler, url, Get(options, "storefront-key", "dev-storefront-key"));

        for (var i = 0; i < skus; i++)
        {
            using var stocked = await ops.PutAsJsonAsync($"/v1/inventory/load-{run}-{i}", new { locations = new Dictionary<string, int> { ["main"] = 1_000_000 } });
            stocked.EnsureSuccessStatusCode();
        }

        var measureFrom = Stopwatch.GetTimestamp() + (long)(warmup * (double)Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(seconds * (double)Stopwatch.Frequency);
        var next = 0L;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            var failed = 0;
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                if (started >= stopAt)
                {
                    return (latencies, failed);
                }

                var n = Interlocked.Increment(ref next);
                var body = new
                {
                    customer = new { id = $"load-customer-{n % 1000}", email = "load@example.com" },
                    lines = new[] { new { sku = $"load-{run}-{n % skus}", quantity = 1, unitPrice = 10m } },
                    shippingAddress = new { name = "Load Test", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
                    payment = new { method = "card", token = "tok_visa" },
                };
                bool ok;
                try
                {
                    using var response = await storefront.PostAsJsonAsync("/v1/orders", body);
                    ok = response.StatusCode == HttpStatusCode.Created;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }

                if (started >= measureFrom)
                {
                    if (ok)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        failed++;
                    }
                }
            }
        })).ToArray();

        var results = await Task.WhenAll(workers);
        var all = results.SelectMany(r => r.latencies).Order().ToArray();
        var failures = results.Sum(r => r.failed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"orders/s {all.Length / (double)seconds:0} | p50 {Percentile(all, 0.50):0.0} ms | p95 {Percentile(all, 0.95):0.0} ms | " +
            $"p99 {Percentile(all, 0.99):0.0} ms | placed {all.Length} | failed {failures} | concurrency {concurrency} | {seconds} s after {warmup} s warm-up"));
        return failures == 0 ? 0 : 1;
    }

    private static HttpClient Client(HttpMessageHandler handler, Uri url, string key)
    {
        var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value pairs, got '{args[i]}'.");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    private static string Get(Dictionary<string, string> options, string name, string fallback) => options.GetValueOrDefault(name, fallback);
}
