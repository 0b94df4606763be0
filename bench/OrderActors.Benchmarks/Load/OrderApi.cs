using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrderActors.Benchmarks.Load;

/// <summary>
/// The few calls of the HTTP API the load needs: stock a SKU, place a one-line order (and classify the answer), read a
/// SKU's stock, and find an order in the order list. Bodies are written from a template rather than serialized, so the
/// generator spends as little of the shared cores as it can.
/// </summary>
internal sealed class OrderApi : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _storefront;
    private readonly HttpClient _ops;

    public OrderApi(Uri url, string storefrontKey, string opsKey, int connections)
    {
        _handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(30) };
        _storefront = Client(url, storefrontKey);
        _ops = Client(url, opsKey);
    }

    /// <summary>Puts the SKU in the catalog at 10.00 USD (the price the orders show) and sets its on-hand at location <c>main</c>, with substitutes.</summary>
    public async Task StockAsync(string sku, int onHand, IReadOnlyList<string> substitutes, CancellationToken cancellationToken = default)
    {
        using var priced = await _ops.PutAsJsonAsync($"/v1/products/{sku}",
            new { title = sku, prices = new Dictionary<string, decimal> { ["USD"] = 10m } }, cancellationToken);
        await EnsureAsync(priced, $"Pricing {sku}", cancellationToken);
        using var response = await _ops.PutAsJsonAsync($"/v1/inventory/{sku}",
            new { locations = new Dictionary<string, int> { ["main"] = onHand }, substitutes }, cancellationToken);
        await EnsureAsync(response, $"Stocking {sku}", cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Places a one-unit order of <paramref name="sku"/> and records its outcome, timed from <paramref name="intendedStart"/>, when <paramref name="recorder"/> is given.</summary>
    public async Task PlaceAsync(string customer, string sku, long intendedStart, LoadRecorder? recorder, CancellationToken cancellationToken = default)
    {
        var body = $$$"""{"customer":{"id":"{{{customer}}}","email":"load@example.com"},"lines":[{"sku":"{{{sku}}}","quantity":1,"unitPrice":10}],"shippingAddress":{"name":"Load Test","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"},"payment":{"method":"card","token":"tok_visa"}}""";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = JsonType;
        Outcome outcome;
        string? error = null;
        try
        {
            using var response = await _storefront.PostAsync("/v1/orders", content, cancellationToken);
            (outcome, error) = response.StatusCode switch
            {
                HttpStatusCode.Created => (Outcome.Accepted, null),
                HttpStatusCode.Conflict => await ClassifyConflictAsync(response, cancellationToken),
                var status => (Outcome.Error, $"HTTP {(int)status}"),
            };
        }
        catch (HttpRequestException ex)
        {
            (outcome, error) = (Outcome.Error, ex.HttpRequestError.ToString());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            (outcome, error) = (Outcome.Error, "timeout");
        }

        recorder?.Record(outcome, intendedStart, error);
    }

    /// <summary>The SKU's stock as <c>GET /v1/inventory/{sku}</c> answers it.</summary>
    public async Task<StockLevels> GetStockAsync(string sku, CancellationToken cancellationToken = default)
        => await _ops.GetFromJsonAsync<StockLevels>($"/v1/inventory/{sku}", Web, cancellationToken)
           ?? throw new InvalidOperationException($"GET /v1/inventory/{sku} answered no body.");

    /// <summary>
    /// Places one order for <paramref name="customer"/> and returns how long after its 201 the order list
    /// (<c>GET /v1/reports/orders?customer=…</c>) first shows it, or null if it did not within <paramref name="timeout"/>.
    /// </summary>
    public async Task<TimeSpan?> ProjectionLagAsync(string customer, string sku, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var recorder = new LoadRecorder();
        await PlaceAsync(customer, sku, Stopwatch.GetTimestamp(), recorder, cancellationToken);
        if (recorder.Accepted != 1)
        {
            throw new InvalidOperationException($"The projection-lag order for {sku} was not placed ({string.Join(", ", recorder.ErrorKinds.Keys)}).");
        }

        var placed = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(placed) < timeout)
        {
            using var page = await _ops.GetAsync($"/v1/reports/orders?customer={customer}&limit=1", cancellationToken);
            if (page.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await page.Content.ReadAsStreamAsync(cancellationToken));
                if (json.RootElement.GetProperty("orders").GetArrayLength() > 0)
                {
                    return Stopwatch.GetElapsedTime(placed);
                }
            }

            await Task.Delay(10, cancellationToken);
        }

        return null;
    }

    public void Dispose()
    {
        _storefront.Dispose();
        _ops.Dispose();
        _handler.Dispose();
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    // The API's out-of-stock answer is a 409 problem whose type ends in "out-of-stock", with shortages[].alternatives.
    private static async Task<(Outcome, string?)> ClassifyConflictAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        var problem = json.RootElement;
        if (!problem.TryGetProperty("type", out var type) || type.GetString()?.EndsWith("/out-of-stock", StringComparison.Ordinal) != true)
        {
            return (Outcome.Error, "HTTP 409 " + (problem.TryGetProperty("type", out var other) ? other.GetString() : "without type"));
        }

        var offered = problem.TryGetProperty("shortages", out var shortages)
                      && shortages.EnumerateArray().Any(s => s.TryGetProperty("alternatives", out var a) && a.GetArrayLength() > 0);
        return (offered ? Outcome.Refused : Outcome.RefusedWithoutAlternative, null);
    }

    private HttpClient Client(Uri url, string key)
    {
        var client = new HttpClient(_handler, disposeHandler: false) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }
}

/// <summary>The part of <c>GET /v1/inventory/{sku}</c> the oversell check reads.</summary>
internal sealed record StockLevels(string Sku, int OnHand, int Reserved, int Available, int Committed);
