using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.Grains.Events;
using OrderActors.Grains.Hosting;
using OrderActors.Grains.Webhooks;
using OrderActors.Tests.Infrastructure;
using static OrderActors.Tests.Grains.WebhookEndpointTests;

namespace OrderActors.Tests.Grains;

/// <summary>
/// Webhook signing secrets at rest and in rotation: the stored state holds only the Data Protection form, which another
/// node on the database can read; a plain secret stored by an earlier version is encrypted when its endpoint wakes and
/// still signs; a rotation signs with the new and the replaced secret until the overlap ends on the silo's clock.
/// </summary>
public sealed class WebhookSecretTests
{
    private const string EndpointGrainType = "webhook-endpoint";

    [Fact]
    public async Task The_stored_state_holds_only_the_protected_secret_which_another_node_on_the_database_unprotects()
    {
        var (cluster, sender, time) = await StartAsync();
        await using var _ = cluster;
        var registration = await Dispatcher(cluster).RegisterAsync(new RegisterWebhook("http://receiver.invalid/hooks", ["inventory.stocked"]));

        var stored = await StoredStateAsync(cluster, registration.Id);
        Assert.DoesNotContain(registration.Secret, stored.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(registration.Secret["whsec_".Length..], stored.Text, StringComparison.Ordinal);
        var protectedSecret = stored.Json.GetProperty("protectedSecret").GetString()!;
        Assert.Equal("", stored.Json.GetProperty("secret").GetString());

        // Another process on the same database (a second silo) reads the key ring from the table and unprotects it.
        using var otherNode = DataProtectionNode(cluster.Database);
        var protector = otherNode.GetRequiredService<IDataProtectionProvider>().CreateProtector(WebhookSecretProtector.Purpose);
        Assert.Equal(registration.Secret, protector.Unprotect(protectedSecret));

        // And the deliveries are signed with the plain secret.
        await StockAsync(cluster, "sku-at-rest", 1);
        await cluster.AdvanceUntilAsync(time, () => Task.FromResult(!sender.Calls.IsEmpty), "the delivery was sent");
        Assert.True(sender.Calls.Single().IsSignedWith(registration.Secret), $"signed with the registration's secret: {sender.Calls.Single().Signature}");
    }

    [Fact]
    public async Task A_plain_secret_stored_before_encryption_is_encrypted_when_its_endpoint_activates_and_still_signs()
    {
        var (cluster, sender, _) = await StartAsync();
        await using var __ = cluster;
        const string id = "wh_legacy";
        const string legacySecret = "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        await cluster.WriteEventedStateAsync(EndpointGrainType, id, EndpointGrainType, new WebhookEndpointState
        {
            Created = true,
            Id = id,
            Url = "http://receiver.invalid/legacy",
            EventTypes = ["inventory.stocked"],
            Secret = legacySecret,
            CreatedAt = Start,
        });
        Assert.Contains(legacySecret, (await StoredStateAsync(cluster, id)).Text, StringComparison.Ordinal);

        var endpoint = cluster.Grains.GetGrain<IWebhookEndpointGrain>(id);
        Assert.NotNull(await endpoint.GetAsync()); // activates it

        var stored = await StoredStateAsync(cluster, id);
        Assert.DoesNotContain(legacySecret, stored.Text, StringComparison.Ordinal);
        using var otherNode = DataProtectionNode(cluster.Database);
        Assert.Equal(legacySecret, otherNode.GetRequiredService<IDataProtectionProvider>().CreateProtector(WebhookSecretProtector.Purpose)
            .Unprotect(stored.Json.GetProperty("protectedSecret").GetString()!));

        await StockAsync(cluster, "sku-legacy", 1);
        await endpoint.EnqueueAsync([new WebhookEventRef(1, new StreamRef(StreamNamespaces.Inventory, "sku-legacy"), 1, "inventory.stocked", Start)]);
        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { Delivered: 1 }, "the legacy endpoint delivered");
        Assert.True(sender.Calls.Single().IsSignedWith(legacySecret), "signed with the secret stored in plain text");
    }

    [Fact]
    public async Task A_rotation_signs_with_the_new_and_the_replaced_secrets_until_the_overlap_ends_then_with_the_new_one_only()
    {
        var (cluster, sender, time) = await StartAsync();
        await using var _ = cluster;
        var registration = await Dispatcher(cluster).RegisterAsync(new RegisterWebhook("http://receiver.invalid/hooks", ["inventory.stocked"]));
        var endpoint = cluster.Grains.GetGrain<IWebhookEndpointGrain>(registration.Id);

        async Task<SentWebhook> DeliverAsync(int onHand, string phase)
        {
            var before = sender.Calls.Count;
            await StockAsync(cluster, "sku-rotation", onHand);
            await cluster.AdvanceUntilAsync(time, () => Task.FromResult(sender.Calls.Count > before), phase);
            return sender.Calls.Last();
        }

        var first = await DeliverAsync(1, "before the rotation");
        Assert.Single(first.Signatures);
        Assert.True(first.IsSignedWith(registration.Secret), "before the rotation: the registration's secret");

        var rotatedAt = time.GetUtcNow();
        var rotation = await endpoint.RotateSecretAsync(new RotateWebhookSecret(TimeSpan.FromHours(1)));
        Assert.NotEqual(registration.Secret, rotation.Secret);
        Assert.Equal(rotatedAt + TimeSpan.FromHours(1), rotation.PreviousSecretsExpireAt);
        Assert.Equal(rotation.PreviousSecretsExpireAt, (await endpoint.GetAsync())!.PreviousSecretsExpireAt);
        Assert.DoesNotContain(rotation.Secret, (await StoredStateAsync(cluster, registration.Id)).Text, StringComparison.Ordinal);

        var during = await DeliverAsync(2, "during the overlap");
        Assert.Equal(2, during.Signatures.Count);
        Assert.Equal(during.SignatureWith(rotation.Secret), during.Signatures[0]);
        Assert.True(during.IsSignedWith(registration.Secret), "during the overlap: the replaced secret signs too");

        // Rotating again within the window keeps the first secret no longer than its own window.
        time.Advance(TimeSpan.FromMinutes(30));
        var second = await endpoint.RotateSecretAsync(new RotateWebhookSecret(TimeSpan.FromHours(2)));
        var twice = await DeliverAsync(3, "after the second rotation");
        Assert.Equal(3, twice.Signatures.Count);
        Assert.True(twice.IsSignedWith(second.Secret) && twice.IsSignedWith(rotation.Secret) && twice.IsSignedWith(registration.Secret), "all three sign");

        time.Advance(TimeSpan.FromMinutes(31)); // past the first window, within the second
        var later = await DeliverAsync(4, "after the first window");
        Assert.Equal(2, later.Signatures.Count);
        Assert.False(later.IsSignedWith(registration.Secret), "after its window the first secret no longer signs");

        time.Advance(TimeSpan.FromHours(2));
        var after = await DeliverAsync(5, "after every window");
        Assert.Equal([after.SignatureWith(second.Secret)], after.Signatures);
        Assert.Null((await endpoint.GetAsync())!.PreviousSecretsExpireAt);

        // An overlap of 0 retires the replaced secret at once; one out of bounds changes nothing.
        var immediate = await endpoint.RotateSecretAsync(new RotateWebhookSecret(TimeSpan.Zero));
        Assert.Null(immediate.PreviousSecretsExpireAt);
        var refused = await Assert.ThrowsAsync<OrderActors.Grains.DomainException>(() => endpoint.RotateSecretAsync(new RotateWebhookSecret(TimeSpan.FromDays(8))));
        Assert.Equal("overlapSeconds", refused.Field);
        var last = await DeliverAsync(6, "after the immediate rotation");
        Assert.Equal([last.SignatureWith(immediate.Secret)], last.Signatures);
    }

    private static async Task<(string Text, JsonElement Json)> StoredStateAsync(OrderActorsTestCluster cluster, string id)
    {
        var payload = (byte[])(await cluster.Database.ScalarAsync(
            "SELECT payload FROM orderactors_grain_state WHERE grain_type = @type AND grain_key = @key",
            ("@type", EndpointGrainType), ("@key", id)))!;
        var text = Encoding.UTF8.GetString(payload);
        return (text, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static ServiceProvider DataProtectionNode(TestDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection()
            .SetApplicationName(OrderActorsSiloBuilderExtensions.DataProtectionApplicationName)
            .PersistKeysToOrderActorsDatabase(AdoNetInvariants.Sqlite, database.ConnectionString);
        return services.BuildServiceProvider();
    }
}
