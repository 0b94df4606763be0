using System.Text.Json;
using OrderActors.Grains.Webhooks;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>The webhook registry's API contract: validation, not-found, roles, no secrets after creation.</summary>
public sealed class WebhooksApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    // A known event type nothing emits here (only a reservation sweep after the 15-minute timeout does): these endpoints
    // never get a delivery, so nothing is sent to the made-up hosts.
    private const string Never = "inventory.reservations_checked";

    private HttpClient Admin => fixture.Api.ClientWithKey(ApiFactory.AdminKey);

    public static TheoryData<string, string> BadRegistrations() => new()
    {
        { """{"url":"not a url","eventTypes":["order.confirmed"]}""", "url" },
        { """{"url":"/relative/path","eventTypes":["order.confirmed"]}""", "url" },
        { """{"url":"ftp://shop.example.com/hooks","eventTypes":["order.confirmed"]}""", "url" },
        { """{"url":"https://user:pass@shop.example.com/hooks","eventTypes":["order.confirmed"]}""", "url" },
        { """{"eventTypes":["order.confirmed"]}""", "url" },
        { """{"url":"https://shop.example.com/hooks"}""", "eventTypes" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":[]}""", "eventTypes" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":["order.**"]}""", "eventTypes[0]" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":["order.confirmed","Order Confirmed"]}""", "eventTypes[1]" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":["order"]}""", "eventTypes[0]" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":[null]}""", "eventTypes[0]" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":["order.confirmed","order.shiped"]}""", "eventTypes[1]" },
        { """{"url":"https://shop.example.com/hooks","eventTypes":["orders.*"]}""", "eventTypes[0]" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task A_bad_registration_is_a_422_naming_the_field(string body, string field)
    {
        var response = await Admin.PostAsync("/v1/webhooks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(422, "validation-failed", body);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{body}: {problem}");
    }

    [Fact]
    public async Task Registration_shows_the_secret_once_and_an_endpoint_can_be_read_listed_and_deleted()
    {
        var created = await Admin.PostJsonAsync("/v1/webhooks", new { url = "https://shop.example.com/hooks?shop=1", eventTypes = new[] { Never, "shipment.*", Never } });
        var registration = await created.ReadAsync<WebhookRegistration>(201, "register");
        Assert.Equal($"/v1/webhooks/{registration.Id}", created.Headers.Location?.OriginalString);
        Assert.StartsWith("whsec_", registration.Secret, StringComparison.Ordinal);
        Assert.Equal([Never, "shipment.*"], registration.EventTypes);

        var one = await (await Admin.GetAsync($"/v1/webhooks/{registration.Id}")).ReadAsync<JsonElement>(200, "get");
        Assert.Equal("https://shop.example.com/hooks?shop=1", one.GetProperty("url").GetString());
        Assert.Equal(0, one.GetProperty("pending").GetInt32());
        Assert.False(one.TryGetProperty("secret", out _));
        var list = await Admin.GetStringAsync("/v1/webhooks");
        Assert.Contains(registration.Id, list, StringComparison.Ordinal);
        Assert.DoesNotContain(registration.Secret, list, StringComparison.Ordinal);
        Assert.Empty(JsonDocument.Parse(await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}/deliveries?state=pending")).RootElement.GetProperty("deliveries").EnumerateArray());

        await (await Admin.PostAsync($"/v1/webhooks/{registration.Id}/deliveries/dlv_12345/redeliver", null)).AssertProblemAsync(404, "delivery-not-found");
        await (await Admin.GetAsync($"/v1/webhooks/{registration.Id}/deliveries?limit=0")).AssertProblemAsync(422, "validation-failed");
        await (await Admin.GetAsync($"/v1/webhooks/{registration.Id}/deliveries?state=lost")).AssertProblemAsync(422, "validation-failed");

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/v1/webhooks/{registration.Id}")).StatusCode);
        await (await Admin.GetAsync($"/v1/webhooks/{registration.Id}")).AssertProblemAsync(404, "webhook-not-found", "after delete");
        await (await Admin.DeleteAsync($"/v1/webhooks/{registration.Id}")).AssertProblemAsync(404, "webhook-not-found", "second delete");
        Assert.DoesNotContain(registration.Id, await Admin.GetStringAsync("/v1/webhooks"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/v1/webhooks/wh_unknown")]
    [InlineData("DELETE", "/v1/webhooks/wh_unknown")]
    [InlineData("GET", "/v1/webhooks/wh_unknown/deliveries")]
    [InlineData("POST", "/v1/webhooks/wh_unknown/deliveries/dlv_1/redeliver")]
    [InlineData("GET", "/v1/webhooks/not%20an%20id")]
    public async Task An_unknown_webhook_is_a_404(string method, string url)
        => await (await Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), url))).AssertProblemAsync(404, "webhook-not-found", $"{method} {url}");

    [Fact]
    public async Task Only_admins_manage_webhooks()
    {
        var body = new { url = "https://shop.example.com/hooks", eventTypes = new[] { Never } };
        foreach (var key in new[] { ApiFactory.StorefrontKey, ApiFactory.OpsKey, ApiFactory.AnalyticsKey })
        {
            var client = fixture.Api.ClientWithKey(key);
            await (await client.PostJsonAsync("/v1/webhooks", body)).AssertProblemAsync(403, "forbidden", key);
            await (await client.GetAsync("/v1/webhooks")).AssertProblemAsync(403, "forbidden", key);
            await (await client.GetAsync("/v1/webhooks/wh_x/deliveries")).AssertProblemAsync(403, "forbidden", key);
        }

        await (await fixture.Api.ClientWithKey(null).GetAsync("/v1/webhooks")).AssertProblemAsync(401, "unauthorized");
    }
}
