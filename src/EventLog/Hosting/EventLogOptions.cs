using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.State;
using Orleans;

namespace OrderActors.EventLog.Hosting;

/// <summary>Where an event log lives and how it is split into queues; one named instance per storage or stream provider.</summary>
public sealed class EventLogOptions
{
    /// <summary>The ADO.NET invariant: <see cref="AdoNetInvariants.PostgreSql"/> (default) or <see cref="AdoNetInvariants.Sqlite"/>.</summary>
    public string Invariant { get; set; } = AdoNetInvariants.PostgreSql;

    /// <summary>The database's connection string. Required.</summary>
    [Redact]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// How many queues the log is split into (default 8): each stream belongs to one, each queue is read by one
    /// silo's pulling agent at a time, in position order. Fixed for the life of a database: an event's queue is
    /// stored with it.
    /// </summary>
    public int QueueCount { get; set; } = 8;

    /// <summary>The most events one state write may append (default 1,024; PostgreSQL positions leave room for 65,536).</summary>
    public int MaxEventsPerWrite { get; set; } = 1024;

    /// <summary>
    /// The most state writes committed in one transaction by group commit (default 64): writes of different grains
    /// that arrive while earlier ones are being committed share the next commit, with their events and their
    /// <see cref="StateTable{TValue}"/> rows. 1 turns group commit off (each write its own transaction).
    /// </summary>
    public int WriteBatchSize { get; set; } = 64;

    /// <summary>
    /// How many group-commit transactions may be in flight at once (default 4); a write that arrives while they all are
    /// waits for the next. SQLite has one writer whatever this says.
    /// </summary>
    public int WriteConcurrency { get; set; } = 4;

    /// <summary>The most events a queue receiver reads per poll (default 256).</summary>
    public int ReadBatchSize { get; set; } = 256;

    /// <summary>Whether the silo applies <see cref="OrderActorsSchema"/> at start-up (default true); turn off where a DBA applies it.</summary>
    public bool ApplySchema { get; set; } = true;
}

/// <summary>Validates <see cref="EventLogOptions"/> when the silo starts; each message names the value and the rule.</summary>
internal sealed class EventLogOptionsValidator(string name, EventLogOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': ConnectionString is required.");
        }

        try
        {
            AdoNetInvariants.DialectOf(options.Invariant);
        }
        catch (ArgumentException ex)
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': {ex.Message}");
        }

        if (options.QueueCount is < 1 or > 1024)
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': QueueCount is {options.QueueCount}; it must be between 1 and 1024.");
        }

        if (options.MaxEventsPerWrite is < 1 or > 65_536)
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': MaxEventsPerWrite is {options.MaxEventsPerWrite}; it must be between 1 and 65536.");
        }

        if (options.WriteBatchSize is < 1 or > 1_000)
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': WriteBatchSize is {options.WriteBatchSize}; it must be between 1 and 1000.");
        }

        if (options.WriteConcurrency is < 1 or > 256)
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': WriteConcurrency is {options.WriteConcurrency}; it must be between 1 and 256.");
        }

        if (options.ReadBatchSize is < 1 or > 100_000)
        {
            throw new OrleansConfigurationException($"EventLogOptions '{name}': ReadBatchSize is {options.ReadBatchSize}; it must be between 1 and 100000.");
        }
    }

    public static IConfigurationValidator Create(IServiceProvider services, string name)
        => new EventLogOptionsValidator(name, services.GetRequiredService<IOptionsMonitor<EventLogOptions>>().Get(name));
}

/// <summary>How event payloads are written to and read from the log as JSON; one for the process.</summary>
public sealed class EventLogJsonOptions
{
    /// <summary>The serializer options (default: <see cref="JsonSerializerDefaults.Web"/>). Add source-generated contexts here.</summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
