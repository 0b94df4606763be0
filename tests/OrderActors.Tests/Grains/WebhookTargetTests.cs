using System.Net;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Webhooks;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>
/// Webhook targets on non-public addresses: which addresses are refused, and that the HTTP sender refuses to connect
/// to one at send time (a name that resolves to loopback, as after DNS rebinding) and the attempt is recorded as failed.
/// </summary>
public sealed class WebhookTargetTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("::ffff:192.168.1.1", "private")]
    [InlineData("fd00::1", "private (unique local)")]
    [InlineData("fc00::1", "private (unique local)")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("100.64.0.1", "shared (CGNAT)")]
    [InlineData("100.100.100.200", "shared (CGNAT)")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    public void Non_public_addresses_are_named(string address, string kind)
        => Assert.Equal(kind, WebhookTargetPolicy.NonPublicKind(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("11.0.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) => Assert.Null(WebhookTargetPolicy.NonPublicKind(IPAddress.Parse(address)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_sender_connects_to_a_loopback_receiver_only_when_private_targets_are_allowed(bool allowed)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = Options.Create(new WebhookOptions { AllowPrivateTargets = allowed, Timeout = TimeSpan.FromSeconds(5) });
        using var sender = new HttpWebhookSender(options, new WebhookTargetPolicy(options));
        var byName = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri; // a name, resolved when sending

        foreach (var url in new[] { new Uri(receiver.Url), byName })
        {
            var response = await sender.SendAsync(new WebhookHttpRequest(url, "{}"u8.ToArray(), []), CancellationToken.None);

            if (allowed)
            {
                Assert.NotNull(response.StatusCode); // it answered (503: no secret set); what matters is that it was reached
            }
            else
            {
                Assert.Null(response.StatusCode);
                Assert.StartsWith("Refused: ", response.Error, StringComparison.Ordinal);
                Assert.Contains("loopback", response.Error, StringComparison.Ordinal);
                Assert.Contains("OrderActors:Webhooks:AllowPrivateTargets", response.Error, StringComparison.Ordinal);
            }
        }

        Assert.Equal(allowed ? 2 : 0, receiver.Requests);
    }

    [Fact]
    public async Task A_delivery_to_a_target_that_resolves_to_a_private_address_at_send_time_is_a_failed_attempt_with_the_reason()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var cluster = await OrderActorsTestCluster.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OrderActors:Webhooks:AllowPrivateTargets"] = "false",
            ["OrderActors:Webhooks:RetryBaseDelay"] = "00:01:00",
        });

        // Registered straight with the dispatcher, as a name that was public when the API checked it would be.
        var registration = await cluster.Grains.GetGrain<IWebhookDispatcherGrain>(WebhookDispatcherGrain.Key)
            .RegisterAsync(new RegisterWebhook(new UriBuilder(receiver.Url) { Host = "localhost" }.ToString(), ["inventory.stocked"]));
        var endpoint = cluster.Grains.GetGrain<IWebhookEndpointGrain>(registration.Id);
        await TestCatalog.StockAsync(cluster.Grains, "sku-rebound", new OrderActors.Grains.Inventory.SetStock([new OrderActors.Grains.Inventory.LocationQuantity("main", 1)], []));

        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { ConsecutiveFailures: 1 }, "the attempt failed");
        var delivery = Assert.Single(await endpoint.GetDeliveriesAsync(10, null));
        Assert.Equal((WebhookDeliveryState.Pending, 1, (int?)null), (delivery.State, delivery.Attempts, delivery.LastStatusCode));
        Assert.StartsWith("Refused: 'localhost' is or resolves to ", delivery.LastError, StringComparison.Ordinal);
        Assert.Contains("loopback", delivery.LastError, StringComparison.Ordinal);
        Assert.Equal(0, receiver.Requests);
    }
}
