using System.Net.Http.Json;
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

    private async Task<WebhookRegistration> RegisterAsync()
        => await (await Admin.PostJsonAsync("/v1/webhooks", new { url = "https://shop.example.com/hooks", eventTypes = new[] { Never } })).ReadAsync<WebhookRegistration>(201, "register");

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

    public static TheoryData<string, string> BadUpdates() => new()
    {
        { "{}", "body" },
        { """{"url":null,"eventTypes":null,"paused":null}""", "body" },
        { """{"url":"not a url","paused":true}""", "url" },
        { """{"url":"ftp://shop.example.com/hooks"}""", "url" },
        { """{"eventTypes":[]}""", "eventTypes" },
        { """{"eventTypes":["order.shiped"],"paused":true}""", "eventTypes[0]" },
        { """{"url":"https://shop.example.com/new","eventTypes":["order.confirmed",null]}""", "eventTypes[1]" },
    };

    [Theory]
    [MemberData(nameof(BadUpdates))]
    public async Task A_bad_update_is_a_422_naming_the_field_and_changes_nothing(string body, string field)
    {
        var registration = await RegisterAsync();
        var before = await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}");

        var response = await Admin.PatchAsync($"/v1/webhooks/{registration.Id}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(422, "validation-failed", body);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{body}: {problem}");
        Assert.Equal(before, await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}"));
    }

    [Fact]
    public async Task An_update_changes_the_url_event_types_and_paused_flag_and_shows_them()
    {
        var registration = await RegisterAsync();
        var url = $"/v1/webhooks/{registration.Id}";
        Assert.False((await (await Admin.GetAsync(url)).ReadAsync<WebhookView>(200, "before")).Paused);

        var paused = await (await Admin.PatchAsJsonAsync(url, new { paused = true }, ApiFactory.Json)).ReadAsync<WebhookView>(200, "pause");
        Assert.Equal((true, "https://shop.example.com/hooks", Never), (paused.Paused, paused.Url, string.Join(",", paused.EventTypes)));

        var moved = await (await Admin.PatchAsJsonAsync(url, new { url = "https://shop.example.com/v2/hooks", eventTypes = new[] { "order.*", Never, "order.*" } }, ApiFactory.Json))
            .ReadAsync<WebhookView>(200, "move");
        Assert.Equal((true, "https://shop.example.com/v2/hooks", $"order.*,{Never}"), (moved.Paused, moved.Url, string.Join(",", moved.EventTypes)));
        Assert.Equivalent(moved, await (await Admin.GetAsync(url)).ReadAsync<WebhookView>(200, "read back"));
        var listed = (await (await Admin.GetAsync("/v1/webhooks")).ReadAsync<JsonElement>(200, "list")).GetProperty("webhooks").EnumerateArray()
            .Single(w => w.GetProperty("id").GetString() == registration.Id);
        Assert.True(listed.GetProperty("paused").GetBoolean(), $"the list shows it paused: {listed}");
        Assert.Equal("https://shop.example.com/v2/hooks", listed.GetProperty("url").GetString());

        var resumed = await (await Admin.PatchAsJsonAsync(url, new { paused = false }, ApiFactory.Json)).ReadAsync<WebhookView>(200, "resume");
        Assert.False(resumed.Paused);
    }

    [Fact]
    public async Task Rotating_the_secret_shows_the_new_one_once_with_the_overlap_and_refuses_an_overlap_out_of_bounds()
    {
        var registration = await RegisterAsync();
        var url = $"/v1/webhooks/{registration.Id}/rotate-secret";

        var before = DateTimeOffset.UtcNow;
        var rotation = await (await Admin.PostAsync(url, null)).ReadAsync<WebhookSecretRotation>(200, "default overlap");
        Assert.Matches("^whsec_[0-9a-f]{64}$", rotation.Secret);
        Assert.NotEqual(registration.Secret, rotation.Secret);
        Assert.InRange(rotation.PreviousSecretsExpireAt!.Value, before.AddHours(24), DateTimeOffset.UtcNow.AddHours(24));
        var view = await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}");
        Assert.DoesNotContain(rotation.Secret, view, StringComparison.Ordinal);
        Assert.Contains("previousSecretsExpireAt", view, StringComparison.Ordinal);

        var shortOverlap = await (await Admin.PostJsonAsync(url, new { overlapSeconds = 60 })).ReadAsync<WebhookSecretRotation>(200, "60 s overlap");
        Assert.InRange(shortOverlap.PreviousSecretsExpireAt!.Value - shortOverlap.RotatedAt, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));

        foreach (var overlap in new[] { -1, 604_801, int.MaxValue })
        {
            var unchanged = await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}");
            var problem = await (await Admin.PostJsonAsync(url, new { overlapSeconds = overlap })).AssertProblemAsync(422, "validation-failed", $"overlap {overlap}");
            Assert.True(problem.GetProperty("errors").TryGetProperty("overlapSeconds", out _), $"overlap {overlap}: {problem}");
            Assert.Equal(unchanged, await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}"));
        }

        await (await Admin.PostAsync(url, new StringContent("""{"overlapSeconds":"soon"}""", System.Text.Encoding.UTF8, "application/json"))).AssertProblemAsync(400, "malformed-request");
        var retired = await (await Admin.PostJsonAsync(url, new { overlapSeconds = 0 })).ReadAsync<WebhookSecretRotation>(200, "no overlap");
        Assert.Null(retired.PreviousSecretsExpireAt);
    }

    [Theory]
    [InlineData("PATCH", "/v1/webhooks/wh_unknown")]
    [InlineData("POST", "/v1/webhooks/wh_unknown/rotate-secret")]
    [InlineData("PATCH", "/v1/webhooks/not%20an%20id")]
    [InlineData("POST", "/v1/webhooks/not%20an%20id/rotate-secret")]
    public async Task Updating_or_rotating_an_unknown_webhook_is_a_404(string method, string url)
        => await (await Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { paused = true }) }))
            .AssertProblemAsync(404, "webhook-not-found", $"{method} {url}");

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
            await (await client.PatchAsJsonAsync("/v1/webhooks/wh_x", new { paused = true })).AssertProblemAsync(403, "forbidden", key);
            await (await client.PostAsync("/v1/webhooks/wh_x/rotate-secret", null)).AssertProblemAsync(403, "forbidden", key);
        }

        await (await fixture.Api.ClientWithKey(null).GetAsync("/v1/webhooks")).AssertProblemAsync(401, "unauthorized");
    }
}
