using System.Net.Http.Json;
using OrderActors.Grains.Webhooks;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>The API as deployed (private targets not allowed): webhook urls on non-public addresses are refused.</summary>
public sealed class WebhookTargetApiTests : IDisposable
{
    private readonly ApiFactory _api = new(settings: new Dictionary<string, string?> { ["OrderActors:Webhooks:AllowPrivateTargets"] = "false" });

    private HttpClient Admin => _api.ClientWithKey(ApiFactory.AdminKey);

    public void Dispose() => _api.Dispose();

    public static TheoryData<string> PrivateUrls() =>
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "https://[::1]/hooks",
        "http://10.0.0.5/hooks",
        "http://192.168.1.20:9000/hooks",
        "http://172.20.1.1/hooks",
        "http://[fd12:3456::1]/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hooks",
        "http://0.0.0.0/hooks",
        "http://100.64.1.1/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://2130706433/hooks", // 127.0.0.1 written as one number
    ];

    [Theory]
    [MemberData(nameof(PrivateUrls))]
    public async Task Registering_or_moving_a_webhook_to_a_private_address_is_a_422_that_changes_nothing(string url)
    {
        var before = await Admin.GetStringAsync("/v1/webhooks");

        var problem = await (await Admin.PostJsonAsync("/v1/webhooks", new { url, eventTypes = new[] { "order.confirmed" } }))
            .AssertProblemAsync(422, "webhook-target-not-allowed", $"register {url}");
        Assert.Contains("AllowPrivateTargets", Assert.Single(problem.GetProperty("errors").GetProperty("url").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await Admin.GetStringAsync("/v1/webhooks"));

        var registration = await (await Admin.PostJsonAsync("/v1/webhooks", new { url = "https://93.184.216.34/hooks", eventTypes = new[] { "inventory.reservations_checked" } }))
            .ReadAsync<WebhookRegistration>(201, "a public address");
        var view = await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}");
        await (await Admin.PatchAsJsonAsync($"/v1/webhooks/{registration.Id}", new { url, paused = true }))
            .AssertProblemAsync(422, "webhook-target-not-allowed", $"update to {url}");
        Assert.Equal(view, await Admin.GetStringAsync($"/v1/webhooks/{registration.Id}"));
    }
}
