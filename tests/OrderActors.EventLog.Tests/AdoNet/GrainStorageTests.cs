using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.Storage;
using OrderActors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>
/// Orleans' own ADO.NET grain storage (AddAdoNetGrainStorage) on our schema and query texts, through grains on
/// real silos: what a grain writes it reads back, in a new activation and in a new silo; a write or a clear with a
/// stale ETag fails with <see cref="InconsistentStateException"/>; clearing keeps or deletes the row per provider.
/// </summary>
public abstract class GrainStorageContract(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IHost> _silos = [];

    protected AdoNetDatabase Database { get; private set; } = null!;

    protected abstract Task<AdoNetDatabase> CreateDatabaseAsync();

    public async Task InitializeAsync() => Database = await CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await AdoNetHosts.StopAsync(silo);
        }
    }

    /// <summary>A silo of its own cluster on the test database; silos with one service id share grain state.</summary>
    private async Task<IGrainFactory> StartSiloAsync(string serviceId)
    {
        var silo = await AdoNetHosts.StartSiloAsync(output, serviceId, silo => silo
            .AddAdoNetGrainStorage(AdoNetStores.KeepOnClear, o =>
            {
                o.Invariant = Database.Invariant;
                o.ConnectionString = Database.ConnectionString;
            })
            .AddAdoNetGrainStorage(AdoNetStores.DeleteOnClear, o =>
            {
                o.Invariant = Database.Invariant;
                o.ConnectionString = Database.ConnectionString;
                o.DeleteStateOnClear = true;
            }));
        _silos.Add(silo);
        return silo.Services.GetRequiredService<IGrainFactory>();
    }

    private async Task StopSiloAsync(IGrainFactory grains)
    {
        var silo = _silos.Single(s => ReferenceEquals(s.Services.GetRequiredService<IGrainFactory>(), grains));
        _silos.Remove(silo);
        await AdoNetHosts.StopAsync(silo);
    }

    private static string NewServiceId() => "svc-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task State_round_trips_and_outlives_the_activation_and_the_silo()
    {
        var serviceId = NewServiceId();
        var grains = await StartSiloAsync(serviceId);
        var note = grains.GetGrain<INoteGrain>("order-1");

        var fresh = await note.Get();
        Assert.Equal(new NoteSnapshot(null, 0, null, false), fresh);
        Assert.Equal(new NoteSnapshot("one", 1, "1", true), await note.Set("one"));
        Assert.Equal(new NoteSnapshot("two", 2, "2", true), await note.Set("two"));

        await note.Deactivate();
        Assert.Equal(new NoteSnapshot("two", 2, "2", true), await note.Get());

        await StopSiloAsync(grains);
        grains = await StartSiloAsync(serviceId);
        Assert.Equal(new NoteSnapshot("two", 2, "2", true), await grains.GetGrain<INoteGrain>("order-1").Get());

        // Another service on the same tables sees none of it.
        var other = await StartSiloAsync(NewServiceId());
        Assert.Equal(new NoteSnapshot(null, 0, null, false), await other.GetGrain<INoteGrain>("order-1").Get());

        var rows = await AdoNetSql.QueryAsync(Database,
            "SELECT service_id, state_name, grain_id_n0, grain_id_n1, grain_id_string, version, payload IS NULL FROM orleans_grain_state");
        var row = Assert.Single(rows);
        Assert.Equal(new[] { serviceId, "note", "0", "0", "order-1", "2" }, row[..6]);
        Assert.Contains(row[6], new[] { "False", "0" });
    }

    [Fact]
    public async Task Integer_and_guid_compound_keys_are_rows_of_their_own()
    {
        var serviceId = NewServiceId();
        var grains = await StartSiloAsync(serviceId);
        var id = Guid.NewGuid();

        await grains.GetGrain<IIntegerNoteGrain>(42).Set("integer");
        await grains.GetGrain<IIntegerNoteGrain>(-42).Set("negative");
        await grains.GetGrain<IGuidNoteGrain>(id, "eu").Set("guid eu");
        await grains.GetGrain<IGuidNoteGrain>(id, "us").Set("guid us");

        await StopSiloAsync(grains);
        grains = await StartSiloAsync(serviceId);
        Assert.Equal("integer", (await grains.GetGrain<IIntegerNoteGrain>(42).Reload()).Text);
        Assert.Equal("negative", (await grains.GetGrain<IIntegerNoteGrain>(-42).Reload()).Text);
        Assert.Equal("guid eu", (await grains.GetGrain<IGuidNoteGrain>(id, "eu").Reload()).Text);
        Assert.Equal("guid us", (await grains.GetGrain<IGuidNoteGrain>(id, "us").Reload()).Text);
        Assert.Null((await grains.GetGrain<IGuidNoteGrain>(id, "asia").Reload()).Text);

        var rows = await AdoNetSql.QueryAsync(Database,
            "SELECT state_name, grain_id_n1, grain_id_string FROM orleans_grain_state WHERE state_name = 'integer-note' ORDER BY grain_id_n1");
        Assert.Equal(new[] { new[] { "integer-note", "-42", "" }, new[] { "integer-note", "42", "" } }, rows);
        var extensions = await AdoNetSql.QueryAsync(Database,
            "SELECT grain_id_string FROM orleans_grain_state WHERE state_name = 'guid-note' ORDER BY grain_id_string");
        Assert.Equal(new[] { new[] { "eu" }, new[] { "us" } }, extensions);
    }

    [Fact]
    public async Task A_write_with_a_stale_ETag_fails_with_InconsistentStateException()
    {
        // Two silos of one service in two clusters: each activates the same grain, as in a split brain.
        var serviceId = NewServiceId();
        var left = await StartSiloAsync(serviceId);
        var right = await StartSiloAsync(serviceId);

        Assert.Equal("1", (await left.GetGrain<INoteGrain>("n").Set("left 1")).ETag);
        Assert.Equal(new NoteSnapshot("left 1", 1, "1", true), await right.GetGrain<INoteGrain>("n").Get());
        Assert.Equal("2", (await left.GetGrain<INoteGrain>("n").Set("left 2")).ETag);

        await Assert.ThrowsAsync<InconsistentStateException>(() => right.GetGrain<INoteGrain>("n").Set("right 2"));

        // Orleans drops the activation that hit the conflict; the next one reads the winner's state and can write.
        Assert.Equal(new NoteSnapshot("left 2", 2, "2", true), await right.GetGrain<INoteGrain>("n").Get());
        Assert.Equal(new NoteSnapshot("right 3", 3, "3", true), await right.GetGrain<INoteGrain>("n").Set("right 3"));
        await Assert.ThrowsAsync<InconsistentStateException>(() => left.GetGrain<INoteGrain>("n").Clear());
    }

    [Fact]
    public async Task A_first_write_loses_to_a_row_written_since_the_read()
    {
        var serviceId = NewServiceId();
        var left = await StartSiloAsync(serviceId);
        var right = await StartSiloAsync(serviceId);

        // Both activations read "no state" (no ETag); the first insert wins.
        Assert.Null((await left.GetGrain<INoteGrain>("first").Get()).ETag);
        Assert.Null((await right.GetGrain<INoteGrain>("first").Get()).ETag);
        Assert.Equal("1", (await left.GetGrain<INoteGrain>("first").Set("left")).ETag);

        await Assert.ThrowsAsync<InconsistentStateException>(() => right.GetGrain<INoteGrain>("first").Set("right"));
        Assert.Equal("left", (await right.GetGrain<INoteGrain>("first").Get()).Text);
    }

    [Fact]
    public async Task Clearing_keeps_a_tombstone_with_a_new_version_and_a_later_write_succeeds()
    {
        var serviceId = NewServiceId();
        var grains = await StartSiloAsync(serviceId);
        var note = grains.GetGrain<INoteGrain>("cleared");

        await note.Set("one");
        Assert.Equal(new NoteSnapshot(null, 0, "2", false), await note.Clear());
        Assert.Equal(new[] { "2", "True" }, await TombstoneAsync("note", "cleared"));

        await note.Deactivate();
        Assert.Equal(new NoteSnapshot(null, 0, "2", false), await note.Get());
        Assert.Equal(new NoteSnapshot("two", 1, "3", true), await note.Set("two"));
        Assert.Equal(new NoteSnapshot("two", 1, "3", true), await note.Reload());

        // Clearing state that was never written writes nothing.
        Assert.Equal(new NoteSnapshot(null, 0, null, false), await grains.GetGrain<INoteGrain>("never").Clear());
        Assert.Null(await TombstoneAsync("note", "never"));
    }

    [Fact]
    public async Task Clearing_with_DeleteStateOnClear_deletes_the_row_and_a_later_write_starts_over()
    {
        var grains = await StartSiloAsync(NewServiceId());
        var note = grains.GetGrain<IDeletingNoteGrain>("deleted");

        await note.Set("one");
        Assert.Equal("2", (await note.Set("two")).ETag);
        Assert.Equal(new NoteSnapshot(null, 0, null, false), await note.Clear());
        Assert.Null(await TombstoneAsync("deleting-note", "deleted"));

        Assert.Equal(new NoteSnapshot("again", 1, "1", true), await note.Set("again"));
        Assert.Equal(new NoteSnapshot("again", 1, "1", true), await note.Reload());
    }

    [Fact]
    public async Task The_storage_provider_rejects_stale_ETags_directly()
    {
        // The IGrainStorage a silo resolves for [PersistentState], called as the state bridge calls it.
        await StartSiloAsync(NewServiceId());
        var silo = _silos.Single();
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(AdoNetStores.KeepOnClear);
        var grainId = GrainId.Create("test-grain", "direct");

        var state = new GrainState<NoteState>(new NoteState { Text = "a" });
        await storage.WriteStateAsync("direct", grainId, state);
        Assert.Equal("1", state.ETag);

        var stale = new GrainState<NoteState>(new NoteState { Text = "stale" }) { ETag = "1" };
        await storage.WriteStateAsync("direct", grainId, state);
        Assert.Equal("2", state.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("direct", grainId, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("direct", grainId, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync("direct", grainId, new GrainState<NoteState>(new NoteState { Text = "no etag" })));

        var read = new GrainState<NoteState>();
        await storage.ReadStateAsync("direct", grainId, read);
        Assert.Equal(("a", "2", true), (read.State?.Text, read.ETag, read.RecordExists));
    }

    /// <summary>The version and whether the payload is NULL of a string-keyed grain's row; null when there is no row.</summary>
    private async Task<string[]?> TombstoneAsync(string stateName, string key)
    {
        var rows = await AdoNetSql.QueryAsync(Database,
            $"SELECT version, CASE WHEN payload IS NULL THEN 'True' ELSE 'False' END FROM orleans_grain_state WHERE state_name = '{stateName}' AND grain_id_string = '{key}'");
        return rows.SingleOrDefault()?.Select(v => v!).ToArray();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresGrainStorageTests(PostgresServer server, ITestOutputHelper output) : GrainStorageContract(output)
{
    protected override Task<AdoNetDatabase> CreateDatabaseAsync() => AdoNetDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteGrainStorageTests(ITestOutputHelper output) : GrainStorageContract(output), IDisposable
{
    private readonly SqliteFile _file = new();

    protected override Task<AdoNetDatabase> CreateDatabaseAsync() => AdoNetDatabase.SqliteAsync(_file);

    public void Dispose() => _file.Dispose();
}
