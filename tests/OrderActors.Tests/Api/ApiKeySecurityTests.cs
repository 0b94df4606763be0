using System.Security.Cryptography;
using System.Text;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Keys configured as hashes, and per-key rate limits answering 429 with Retry-After.</summary>
public sealed class ApiKeySecurityTests : IDisposable
{
    private const string HashedKey = "hashed-ops-key-0123";

    private readonly ApiFactory _api = new(settings: new Dictionary<string, string?>
    {
        ["OrderActors:Api:Keys:4:Name"] = "hashed-ops",
        ["OrderActors:Api:Keys:4:KeyHash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(HashedKey))),
        ["OrderActors:Api:Keys:4:Role"] = "ops",
        ["OrderActors:Api:RateLimit:RequestsPerSecond"] = "1",
        ["OrderActors:Api:RateLimit:Burst"] = "3",
    });

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task A_key_configured_by_its_hash_authenticates_and_only_that_key_does()
    {
        using var hashed = _api.ClientWithKey(HashedKey);
        await (await hashed.GetAsync("/v1/inventory/no-such-sku")).AssertProblemAsync(404, "unknown-sku", "the hashed key is an ops key");
        using var digestAsKey = _api.ClientWithKey(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(HashedKey))));
        await (await digestAsKey.GetAsync("/v1/inventory/no-such-sku")).AssertProblemAsync(401, "unauthorized", "the digest itself is not a key");
    }

    [Fact]
    public async Task Past_its_burst_a_key_gets_429_with_retry_after_while_other_keys_go_on()
    {
        using var storefront = _api.ClientWithKey(ApiFactory.StorefrontKey);
        for (var i = 0; i < 3; i++)
        {
            await (await storefront.GetAsync("/v1/inventory/no-such-sku")).AssertProblemAsync(404, "unknown-sku", $"request {i + 1} of the burst");
        }

        var limited = await storefront.GetAsync("/v1/inventory/no-such-sku");
        await limited.AssertProblemAsync(429, "rate-limited", "past the burst");
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");

        using var ops = _api.ClientWithKey(ApiFactory.OpsKey);
        await (await ops.GetAsync("/v1/inventory/no-such-sku")).AssertProblemAsync(404, "unknown-sku", "another key has its own bucket");
    }
}
