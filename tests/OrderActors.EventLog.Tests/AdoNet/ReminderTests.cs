using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using OrderActors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>
/// Orleans' ADO.NET reminder service (UseAdoNetReminderService) on our schema and query texts: reminders register,
/// list, fire, survive a new silo and unregister; and the <see cref="IReminderTable"/> the silo resolves keeps the
/// contract the reminder service relies on (ETags, ring ranges with and without wrap-around).
/// </summary>
public abstract class ReminderContract(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan TickTimeout = TimeSpan.FromSeconds(20);
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

    private async Task<IHost> StartSiloAsync(string serviceId)
    {
        var silo = await AdoNetHosts.StartSiloAsync(output, serviceId, silo => silo
            .UseAdoNetReminderService(o =>
            {
                o.Invariant = Database.Invariant;
                o.ConnectionString = Database.ConnectionString;
            })
            .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));
        _silos.Add(silo);
        return silo;
    }

    private static string NewServiceId() => "svc-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_reminder_registers_lists_fires_and_unregisters()
    {
        var silo = await StartSiloAsync(NewServiceId());
        var key = "fires-" + Guid.NewGuid().ToString("N");
        var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderGrain>(key);

        await grain.Register("tick", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
        await grain.Register("later", TimeSpan.FromHours(1), TimeSpan.FromDays(30)); // a period past int.MaxValue ms

        Assert.Equal("tick", await grain.Get("tick"));
        Assert.Null(await grain.Get("missing"));
        Assert.Equal(new[] { "later", "tick" }, await grain.List());

        await ReminderGrain.Ticks(key).WaitForAsync("tick", 2, TickTimeout);

        var rows = await AdoNetSql.QueryAsync(Database,
            $"SELECT reminder_name, period_ms, version FROM orleans_reminders WHERE grain_id LIKE '%{key}' ORDER BY reminder_name");
        Assert.Equal(new[] { new[] { "later", "2592000000", "0" }, new[] { "tick", "1000", "0" } }, rows);

        await grain.Unregister("tick");
        Assert.Null(await grain.Get("tick"));
        Assert.Equal(new[] { "later" }, await grain.List());
        Assert.Equal(new[] { new[] { "later" } },
            await AdoNetSql.QueryAsync(Database, $"SELECT reminder_name FROM orleans_reminders WHERE grain_id LIKE '%{key}'"));
        Assert.Equal(0, ReminderGrain.Ticks(key).Count("later"));
    }

    [Fact]
    public async Task A_reminder_outlives_its_silo()
    {
        var serviceId = NewServiceId();
        var key = "outlives-" + Guid.NewGuid().ToString("N");
        var first = await StartSiloAsync(serviceId);
        await first.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderGrain>(key)
            .Register("durable", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
        _silos.Remove(first);
        await AdoNetHosts.StopAsync(first);
        var ticksBefore = ReminderGrain.Ticks(key).Count("durable");

        // The new silo owns the whole ring and loads the reminder from the table.
        var second = await StartSiloAsync(serviceId);
        await ReminderGrain.Ticks(key).WaitForAsync("durable", ticksBefore + 2, TickTimeout);
        Assert.Equal("durable", await second.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderGrain>(key).Get("durable"));
    }

    [Fact]
    public async Task The_reminder_table_keeps_ETags_and_reads_ring_ranges()
    {
        var serviceId = NewServiceId();
        var silo = await StartSiloAsync(serviceId);
        var table = silo.Services.GetRequiredService<IReminderTable>();
        var grainIds = Enumerable.Range(0, 40).Select(i => GrainId.Create("ring-test", $"g{i}")).ToArray();
        var startAt = new DateTime(2031, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc);

        foreach (var grainId in grainIds)
        {
            Assert.Equal("0", await table.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "r", StartAt = startAt, Period = TimeSpan.FromMinutes(5) }));
        }

        // Upserting again moves the ETag; the row reads back as written.
        var g0 = grainIds[0];
        Assert.Equal("1", await table.UpsertRow(new ReminderEntry { GrainId = g0, ReminderName = "r", StartAt = startAt.AddHours(1), Period = TimeSpan.FromMinutes(7) }));
        Assert.Equal("0", await table.UpsertRow(new ReminderEntry { GrainId = g0, ReminderName = "other", StartAt = startAt, Period = TimeSpan.FromMinutes(1) }));
        var row = await table.ReadRow(g0, "r");
        Assert.NotNull(row);
        Assert.Equal((g0, "r", startAt.AddHours(1), TimeSpan.FromMinutes(7), "1"), (row.GrainId, row.ReminderName, row.StartAt, row.Period, row.ETag));
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
        Assert.Null(await table.ReadRow(g0, "missing"));
        Assert.Equal(new[] { "other", "r" }, (await table.ReadRows(g0)).Reminders.Select(r => r.ReminderName).Order(StringComparer.Ordinal));

        // Ranges (begin, end] of the ring, as a silo asks for the ones it owns.
        var hashes = grainIds.Select(g => g.GetUniformHashCode()).Order().ToArray();
        var ranges = new (uint Begin, uint End)[]
        {
            (hashes[5], hashes[20]),
            (hashes[20], hashes[5]),
            (hashes[10], hashes[10]),
            (0, uint.MaxValue),
            (uint.MaxValue, 0),
            (0x7FFF_FFFF, 0x8000_0000 + (hashes[^1] - 0x8000_0000) / 2),
            (0x8000_0000 + (hashes[^1] - 0x8000_0000) / 2, 0x7FFF_FFFF),
        };
        foreach (var (begin, end) in ranges)
        {
            var expected = grainIds.Where(g => InRange(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order(StringComparer.Ordinal);
            var actual = (await table.ReadRows(begin, end)).Reminders.Where(r => r.ReminderName == "r").Select(r => r.GrainId.ToString()).Order(StringComparer.Ordinal);
            Assert.Equal(expected, actual);
        }

        // A remove must name the current ETag.
        Assert.False(await table.RemoveRow(g0, "r", "0"));
        Assert.True(await table.RemoveRow(g0, "r", "1"));
        Assert.False(await table.RemoveRow(g0, "r", "1"));
        Assert.Null(await table.ReadRow(g0, "r"));

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
    }

    private static bool InRange(uint hash, uint begin, uint end)
        => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresReminderTests(PostgresServer server, ITestOutputHelper output) : ReminderContract(output)
{
    protected override Task<AdoNetDatabase> CreateDatabaseAsync() => AdoNetDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteReminderTests(ITestOutputHelper output) : ReminderContract(output), IDisposable
{
    private readonly SqliteFile _file = new();

    protected override Task<AdoNetDatabase> CreateDatabaseAsync() => AdoNetDatabase.SqliteAsync(_file);

    public void Dispose() => _file.Dispose();
}
