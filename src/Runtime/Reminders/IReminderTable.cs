using System.Data.Common;
using OrderActors.Runtime.Persistence;

namespace OrderActors.Runtime.Reminders;

/// <summary>A durable reminder as stored.</summary>
/// <param name="GrainId">The grain that receives it.</param>
/// <param name="Name">Its name, unique per grain.</param>
/// <param name="StartAt">When it is first due.</param>
/// <param name="Period">The period between ticks.</param>
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset StartAt, TimeSpan Period);

/// <summary>The durable table of reminders.</summary>
public interface IReminderTable
{
    /// <summary>Reads every reminder.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads one reminder, or null.</summary>
    Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces a reminder.</summary>
    Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes a reminder; does nothing if it does not exist.</summary>
    Task RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims one tick of a reminder before it is delivered: succeeds only if no tick at or after this one was
    /// claimed, so two silos that both believe they own the grain never deliver the same tick (clustered silos only).
    /// </summary>
    /// <returns>True if this caller may deliver the tick; false if it was claimed already or the reminder is gone.</returns>
    Task<bool> TryClaimTickAsync(GrainId grainId, string name, DateTimeOffset tick, CancellationToken cancellationToken = default);
}

/// <summary>Reminders in process memory, for unit tests only.</summary>
public sealed class MemoryReminderTable : IReminderTable
{
    private readonly Dictionary<(GrainId, string), ReminderEntry> _entries = [];
    private readonly Dictionary<(GrainId, string), DateTimeOffset> _claimedTicks = [];

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _entries.Values]);
        }
    }

    /// <inheritdoc />
    public Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            return Task.FromResult(_entries.GetValueOrDefault((grainId, name)));
        }
    }

    /// <inheritdoc />
    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            _entries[(entry.GrainId, entry.Name)] = entry;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            _entries.Remove((grainId, name));
            _claimedTicks.Remove((grainId, name));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> TryClaimTickAsync(GrainId grainId, string name, DateTimeOffset tick, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            if (!_entries.ContainsKey((grainId, name)) || (_claimedTicks.TryGetValue((grainId, name), out var claimed) && claimed >= tick))
            {
                return Task.FromResult(false);
            }

            _claimedTicks[(grainId, name)] = tick;
            return Task.FromResult(true);
        }
    }
}

/// <summary>Reminders in the <c>reminders</c> table of PostgreSQL or SQLite.</summary>
internal sealed class AdoNetReminderTable(SqlDialect dialect) : IReminderTable
{
    public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection,
            "SELECT grain_type, grain_key, reminder_name, start_at_ms, period_ms FROM reminders");
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection,
            "SELECT grain_type, grain_key, reminder_name, start_at_ms, period_ms FROM reminders " +
            "WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name",
            ("@type", grainId.Type), ("@key", grainId.Key), ("@name", name));
        var entries = await ReadEntriesAsync(command, cancellationToken);
        return entries.Count == 0 ? null : entries[0];
    }

    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken = default)
        => dialect.WriteAsync(
            async connection =>
            {
                await using var command = SqlDialect.Command(connection,
                    "INSERT INTO reminders (grain_type, grain_key, reminder_name, start_at_ms, period_ms) " +
                    "VALUES (@type, @key, @name, @start, @period) " +
                    "ON CONFLICT (grain_type, grain_key, reminder_name) DO UPDATE SET start_at_ms = excluded.start_at_ms, period_ms = excluded.period_ms",
                    ("@type", entry.GrainId.Type), ("@key", entry.GrainId.Key), ("@name", entry.Name),
                    ("@start", entry.StartAt.ToUnixTimeMilliseconds()), ("@period", (long)entry.Period.TotalMilliseconds));
                return await command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);

    public Task RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken = default)
        => dialect.WriteAsync(
            async connection =>
            {
                await using var command = SqlDialect.Command(connection,
                    "DELETE FROM reminders WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name",
                    ("@type", grainId.Type), ("@key", grainId.Key), ("@name", name));
                return await command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);

    public Task<bool> TryClaimTickAsync(GrainId grainId, string name, DateTimeOffset tick, CancellationToken cancellationToken = default)
        => dialect.WriteAsync(
            async connection =>
            {
                await using var command = SqlDialect.Command(connection,
                    "UPDATE reminders SET last_tick_ms = @tick " +
                    "WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name AND last_tick_ms < @tick",
                    ("@type", grainId.Type), ("@key", grainId.Key), ("@name", name), ("@tick", tick.ToUnixTimeMilliseconds()));
                return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            },
            cancellationToken);

    private static async Task<IReadOnlyList<ReminderEntry>> ReadEntriesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ReminderEntry(
                new GrainId(reader.GetString(0), reader.GetString(1)),
                reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                TimeSpan.FromMilliseconds(reader.GetInt64(4))));
        }

        return entries;
    }
}
