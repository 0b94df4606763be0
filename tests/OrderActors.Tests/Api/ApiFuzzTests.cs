using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// A bounded, deterministic fuzz pass through the real HTTP stack: every route the app maps, with every role, a
/// wrong key and none, gets malformed and boundary paths, queries, headers and bodies. Every answer must be below 500,
/// come within the timeout and be problem+json when it is an error, and a refused request must leave the seeded order,
/// stock, location and webhooks as they were. Every status a route answered must be declared for it in the OpenAPI document.
/// </summary>
public sealed class ApiFuzzTests : IAsyncLifetime
{
    private const int Requests = 3_000;
    private const int Seed = 11;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    // Every role, a wrong key and none; the roles that may change things twice as often, so most requests get past auth.
    private static readonly string?[] Keys = [null, "wrong-key", ApiFactory.StorefrontKey, ApiFactory.OpsKey, ApiFactory.AnalyticsKey, ApiFactory.AdminKey,
        ApiFactory.StorefrontKey, ApiFactory.OpsKey, ApiFactory.AdminKey];

    private readonly ApiFactory _api = new();
    private readonly Random _random = new(Seed);
    private readonly Dictionary<string, string> _ids = [];
    private HttpClient _http = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _http = _api.CreateClient();
        _http.Timeout = RequestTimeout;
        _admin = _api.ClientWithKey(ApiFactory.AdminKey);
        using var ops = _api.ClientWithKey(ApiFactory.OpsKey);
        var sku = "fuzz-sku";
        (await ops.PutJsonAsync($"/v1/products/{sku}", ApiBodies.Product(sku))).EnsureSuccessStatusCode();
        (await ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(1_000))).EnsureSuccessStatusCode();
        (await ops.PutJsonAsync("/v1/locations/main", new { address = TestLocations.Warehouse("main") })).EnsureSuccessStatusCode();
        (await ops.PostJsonAsync($"/v1/inventory/{sku}/transfers", new { from = "main", to = "east", quantity = 1 })).EnsureSuccessStatusCode(); // t1, in transit
        using var storefront = _api.ClientWithKey(ApiFactory.StorefrontKey);
        var order = await (await storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-fuzz", (sku, 2))))
            .ReadAsync<OrderView>(201, "seed order");
        var webhook = JsonDocument.Parse(await (await _admin.PostJsonAsync("/v1/webhooks", new { url = "https://hooks.example.com/fuzz", eventTypes = new[] { "inventory.reservations_checked" } }))
            .Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        _ids["sku"] = sku;
        _ids["id"] = order.Id;
        _ids["order"] = order.Id;
        _ids["shipment"] = order.Shipments[0].Id;
        _ids["location"] = "main";
        _ids["webhook"] = webhook;
    }

    public Task DisposeAsync()
    {
        _http.Dispose();
        _admin.Dispose();
        _api.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Thousands_of_hostile_requests_get_no_5xx_no_hang_problem_json_and_change_nothing_they_refuse()
    {
        var routes = _api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Template: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Where(r => r.Template.StartsWith("/v1", StringComparison.Ordinal) || r.Template.StartsWith("/health", StringComparison.Ordinal))
            .Distinct().OrderBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToArray();
        var findings = new List<string>();
        var refusals = 0;
        var statuses = new SortedDictionary<int, int>();
        var snapshot = await SnapshotAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Requests; i++)
        {
            var (method, template) = routes[i % routes.Length]; // every route in turn, so each gets its share
            using var request = BuildRequest(method, template);
            var what = $"#{i} {method} {request.RequestUri} key={request.Headers.GetValues("X-Api-Key-Name").Single()}";
            request.Headers.Remove("X-Api-Key-Name");
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            }
            catch (TaskCanceledException)
            {
                findings.Add($"{what}: no answer within {RequestTimeout.TotalSeconds} s");
                continue;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var streaming = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
                var body = streaming ? "" : await response.Content.ReadAsStringAsync();
                if (status >= 500)
                {
                    findings.Add($"{what}: {status} {body}");
                }

                if (status >= 400 && !IsProblem(response, body))
                {
                    findings.Add($"{what}: {status} is not problem+json: {response.Content.Headers.ContentType} {body}");
                }

                if (method != "GET")
                {
                    if (status >= 400)
                    {
                        refusals++;
                        var after = await SnapshotAsync();
                        if (after != snapshot)
                        {
                            findings.Add($"{what}: refused with {status} but changed the seeded state");
                        }

                        snapshot = after;
                    }
                    else
                    {
                        snapshot = await SnapshotAsync();
                    }
                }
            }
        }

        Console.WriteLine($"Fuzz pass (seed {Seed}): {Requests} requests over {routes.Length} routes in {clock.Elapsed.TotalSeconds:0.0} s, " +
            $"{refusals} refused changes checked for side effects, {findings.Count} findings; statuses {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}.");
        Assert.True(findings.Count == 0, $"{findings.Count} findings:\n{string.Join("\n", findings.Take(40))}");
        await OpenApiContract.AssertAnsweredStatusesDeclaredAsync(_api, $"fuzz pass (seed {Seed})");
    }

    private static bool IsProblem(HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return false;
        }

        try
        {
            return JsonDocument.Parse(body).RootElement.GetProperty("type").GetString()?.StartsWith("https://orderactors.dev/problems/", StringComparison.Ordinal) == true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    // What a refusal must leave alone: the seeded order (with its returns, refunds, tickets), its stock, the location, the
    // webhooks, and the seeded webhook's settings and secret rotation (not its delivery counts, which move on their own).
    private async Task<string> SnapshotAsync()
    {
        var parts = await Task.WhenAll(
            _admin.GetStringAsync($"/v1/orders/{_ids["order"]}"),
            _admin.GetStringAsync($"/v1/inventory/{_ids["sku"]}"),
            _admin.GetStringAsync($"/v1/locations/{_ids["location"]}"),
            _admin.GetStringAsync("/v1/webhooks"),
            WebhookSettingsAsync());
        return string.Join("\n", parts);
    }

    private async Task<string> WebhookSettingsAsync()
    {
        using var response = await _admin.GetAsync($"/v1/webhooks/{_ids["webhook"]}");
        if (!response.IsSuccessStatusCode)
        {
            return $"HTTP {(int)response.StatusCode}"; // a DELETE the fuzz pass made
        }

        var webhook = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return string.Join(" ", new[] { "url", "eventTypes", "paused", "previousSecretsExpireAt" }.Select(p => webhook.GetProperty(p).GetRawText()));
    }

    private HttpRequestMessage BuildRequest(string method, string template)
    {
        var key = Keys[_random.Next(Keys.Length)];
        var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{(\w+)\}", m => PathValue(m.Groups[1].Value));
        var request = new HttpRequestMessage(new HttpMethod(method), path + Query());
        request.Headers.TryAddWithoutValidation("X-Api-Key-Name", key ?? "none");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        }

        if (_random.Next(8) == 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", _random.Next(3) switch { 0 => new string('k', 300), 1 => "k\u0001y", _ => $"fuzz-{_random.Next(4)}" });
        }

        if (_random.Next(10) == 0)
        {
            request.Headers.TryAddWithoutValidation("Accept", _random.Next(2) == 0 ? "text/event-stream" : "application/xml");
            request.Headers.TryAddWithoutValidation("Last-Event-ID", _random.Next(2) == 0 ? "-1" : "99999999999999999999");
        }

        if (method is "POST" or "PUT" or "PATCH" || _random.Next(10) == 0)
        {
            request.Content = Body();
        }

        return request;
    }

    private string PathValue(string name)
    {
        var known = name switch
        {
            "sku" => _ids["sku"],
            "location" => _ids["location"],
            "refundId" => $"{_ids["order"]}-x1",
            "transferId" => _random.Next(2) == 0 ? "t1" : "t2",
            "deliveryId" => "d1",
            "name" => "no-such-subscription",
            _ => _random.Next(6) switch
            {
                0 => _ids["shipment"],
                1 => _ids["webhook"],
                2 => $"{_ids["order"]}-r1",
                3 => $"{_ids["order"]}-t1",
                4 => $"{_ids["order"]}-c1",
                _ => _ids["order"],
            },
        };
        return _random.Next(3) == 0 ? Uri.EscapeDataString(Hostile()) : known;
    }

    private string Hostile() => _random.Next(12) switch
    {
        0 => "abc\n",
        1 => new string('a', 101),
        2 => "..",
        3 => "a b",
        4 => "\u0001\u007f",
        5 => "漢字",
        6 => "%",
        7 => "-r1",
        8 => "x-r0",
        9 => "' OR 1=1 --",
        10 => new string('9', 4_000),
        _ => "",
    };

    private string Query() => _random.Next(3) != 0 ? "" : "?" + string.Join("&", Enumerable.Range(0, _random.Next(1, 4)).Select(_ =>
        $"{Pick("limit", "after", "from", "to", "groupBy", "state", "status", "channel", "customer", "cursor")}={Uri.EscapeDataString(Pick("-1", "0", "1", "abc", "99999999999", "9999-99-99", "2026-01-01", "1970-01-01", "day", "x", "", "\n", new string('z', 3_000)))}"));

    private HttpContent Body()
    {
        var kind = _random.Next(10);
        var (text, type) = kind switch
        {
            0 => ("", "application/json"),
            1 => ("{", "application/json"),
            2 => ("hello", "text/plain"),
            3 => ("null", "application/json"),
            4 => ("[1,2,3]", "application/json"),
            5 => (new string('[', 5_000), "application/json"),
            6 => (JsonSerializer.Serialize(new string('x', 70_000)), "application/json"), // past the 64 KiB test limit
            _ => (RandomObject(0).ToJsonString(), kind == 7 ? "application/json; charset=utf-16" : "application/json"),
        };
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static readonly string[] FieldNames =
    [
        "customer", "id", "email", "name", "channel", "priority", "currency", "lines", "sku", "quantity", "unitPrice", "shippingAddress", "line1", "city",
        "postalCode", "country", "payment", "method", "token", "reason", "comment", "resolution", "exchange", "location", "condition", "shipping", "type",
        "shipmentId", "description", "note", "rating", "subject", "message", "assignee", "status", "detail", "at", "carrier", "locations", "substitutes",
        "threshold", "url", "eventTypes", "address", "paused", "overlapSeconds", "delta", "from", "to", "received", "shortfallReason", "reference",
    ];

    private System.Text.Json.Nodes.JsonObject RandomObject(int depth)
    {
        var obj = new System.Text.Json.Nodes.JsonObject();
        foreach (var _ in Enumerable.Range(0, _random.Next(1, 8)))
        {
            obj[Pick(FieldNames)] = RandomValue(depth + 1);
        }

        return obj;
    }

    private System.Text.Json.Nodes.JsonNode? RandomValue(int depth) => _random.Next(depth > 3 ? 9 : 12) switch
    {
        0 => null,
        1 => System.Text.Json.Nodes.JsonValue.Create(Pick("", "web", "vip", "card", "USD", "US", "delivered", "refund", "resellable", "damaged", "order.*", "https://x.example.com/h", "ana@example.com", "receipt", "write_off", "main")),
        2 => System.Text.Json.Nodes.JsonValue.Create(Hostile()),
        3 => System.Text.Json.Nodes.JsonValue.Create(_random.Next(-3, 5)),
        4 => System.Text.Json.Nodes.JsonNode.Parse(Pick("2147483648", "-2147483649", "1e400", "1e-30", "0.001", "19.90", "1000000000", "79228162514264337593543950336", "-0")),
        5 => System.Text.Json.Nodes.JsonValue.Create(_random.Next(2) == 0),
        6 => System.Text.Json.Nodes.JsonValue.Create(Pick("9999-12-31T00:00:00Z", "1970-01-01T00:00:00Z", "2026-13-45", "yesterday")),
        7 => System.Text.Json.Nodes.JsonValue.Create(_ids["sku"]),
        8 => System.Text.Json.Nodes.JsonValue.Create(_random.Next(1, 4)),
        9 => new System.Text.Json.Nodes.JsonArray([.. Enumerable.Range(0, _random.Next(0, 4)).Select(_ => RandomValue(depth + 1))]),
        10 => RandomObject(depth),
        _ => new System.Text.Json.Nodes.JsonObject { [_ids["sku"]] = _random.Next(2) == 0 ? 1_000_000_000 : 5 },
    };

    private string Pick(params string[] values) => values[_random.Next(values.Length)];
}
