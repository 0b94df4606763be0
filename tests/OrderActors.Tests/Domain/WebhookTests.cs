using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderActors.EventLog;
using OrderActors.Grains.Webhooks;

namespace OrderActors.Tests.Domain;

public sealed class WebhookTests
{
    [Theory]
    [InlineData("*", "inventory.reserved", true)]
    [InlineData("order.*", "order.confirmed", true)]
    [InlineData("order.*", "order.partially_cancelled", true)]
    [InlineData("order.*", "orders.confirmed", false)]
    [InlineData("order.*", "order", false)]
    [InlineData("shipment.*", "shipment.out_for_delivery", true)]
    [InlineData("customer.notification", "customer.notification", true)]
    [InlineData("order.confirmed", "order.confirmed_late", false)]
    [InlineData("payment.captured", "payment.capture_failed", false)]
    public void Patterns_match_exact_types_prefixes_and_everything(string pattern, string type, bool matches)
    {
        Assert.True(WebhookEventTypes.IsValidPattern(pattern));
        Assert.Equal(matches, WebhookEventTypes.Matches(pattern, type));
    }

    [Theory]
    [InlineData("")]
    [InlineData("**")]
    [InlineData("order")]
    [InlineData("order.")]
    [InlineData(".*")]
    [InlineData("order.*.x")]
    [InlineData("Order.Confirmed")]
    [InlineData("order confirmed")]
    [InlineData("order.**")]
    public void Malformed_patterns_are_refused(string pattern) => Assert.False(WebhookEventTypes.IsValidPattern(pattern));

    [Fact]
    public void The_back_off_doubles_from_the_base_and_stops_at_the_cap()
    {
        var options = new WebhookOptions();
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300],
            Enumerable.Range(1, 11).Select(n => options.Backoff(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(5), options.Backoff(int.MaxValue));
    }

    [Fact]
    public void A_request_is_signed_over_timestamp_and_body_and_carries_the_event_as_data()
    {
        var payload = Encoding.UTF8.GetBytes("""{"orderId":"ord_1","type":"order.confirmed","total":12.5}""");
        var streamEvent = new EventLogEntry(42, "orders", "ord_1", 3, "order.confirmed", "OrderActors.Grains.Events.OrderEvent", payload, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 9, TimeSpan.Zero);
        var request = WebhookRequests.Create(new Uri("https://shop.example.com/hooks"), ["whsec_test"], "dlv_42", streamEvent, now);

        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value);
        Assert.Equal("orders/ord_1:3", headers["X-OrderActors-Event-Id"]);
        Assert.Equal("order.confirmed", headers["X-OrderActors-Event-Type"]);
        Assert.Equal("dlv_42", headers["X-OrderActors-Delivery-Id"]);
        Assert.Equal(now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), headers["X-OrderActors-Timestamp"]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_test"), Encoding.UTF8.GetBytes($"{now.ToUnixTimeSeconds()}.{Encoding.UTF8.GetString(request.Body)}"));
        Assert.Equal("v1=" + Convert.ToHexStringLower(expected), headers["X-OrderActors-Signature"]);

        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(["id", "type", "createdAt", "stream", "sequence", "data"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("orders/ord_1:3", body.GetProperty("id").GetString());
        Assert.Equal("orders/ord_1", body.GetProperty("stream").GetString());
        Assert.Equal("2026-01-02T03:04:05+00:00", body.GetProperty("createdAt").GetString());
        Assert.Equal(12.5m, body.GetProperty("data").GetProperty("total").GetDecimal());

        // Another timestamp, another signature: a captured request cannot be replayed with a fresh timestamp.
        var later = WebhookRequests.Create(new Uri("https://shop.example.com/hooks"), ["whsec_test"], "dlv_42", streamEvent, now.AddMinutes(10));
        Assert.Equal(request.Body, later.Body);
        Assert.NotEqual(headers["X-OrderActors-Signature"], later.Headers.Single(h => h.Key == "X-OrderActors-Signature").Value);
    }

    [Fact]
    public void During_a_rotation_the_header_carries_one_v1_signature_per_secret_newest_first()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"orders/ord_1:3"}""");
        var single = WebhookSignature.Compute("whsec_new", 1767322800, body);

        var both = WebhookSignature.Compute(["whsec_new", "whsec_old"], 1767322800, body);

        Assert.Equal($"{single},{WebhookSignature.Compute("whsec_old", 1767322800, body)}", both);
        Assert.Equal(single, WebhookSignature.Compute(["whsec_new"], 1767322800, body));
        Assert.Matches("^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$", both);
    }

    [Fact]
    public void Secrets_and_ids_are_random_and_well_formed()
    {
        var secrets = Enumerable.Range(0, 20).Select(_ => WebhookSignature.NewSecret()).ToHashSet();
        Assert.Equal(20, secrets.Count);
        Assert.All(secrets, s => Assert.Matches("^whsec_[0-9a-f]{64}$", s));
        Assert.Matches("^wh_[0-9a-f]{32}$", WebhookSignature.NewWebhookId());
    }

    [Theory]
    [InlineData("RetryBaseDelay", "00:00:00")]
    [InlineData("MaxRetryDelay", "00:00:00.001")]
    [InlineData("Timeout", "00:30:00")]
    [InlineData("MaxAttempts", "0")]
    [InlineData("DeliveryLogLimit", "1")]
    [InlineData("SecretRotationOverlap", "8.00:00:00")]
    [InlineData("SecretRotationOverlap", "-00:00:01")]
    public void Bad_options_fail_at_start_up_naming_the_setting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"OrderActors:Webhooks:{key}"] = value }).Build();
        using var services = new ServiceCollection().AddWebhooks(configuration).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<WebhookOptions>>().Value);
        Assert.Contains($"OrderActors:Webhooks:{key}", error.Message, StringComparison.Ordinal);
    }
}
