using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrderActors.EventLog.Sql;

namespace OrderActors.EventLog.DataProtection;

/// <summary>
/// An ASP.NET Core Data Protection key repository on the OrderActors database (PostgreSQL or SQLite): the key ring
/// lives in <c>orderactors_data_protection_keys</c> (schema script <c>003_data_protection_keys.sql</c>), so every
/// silo and API process on that database finds the keys another one created and unprotects what it protected.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="IXmlRepository"/> is synchronous. Data Protection calls it rarely (when it first needs the key ring,
/// about once a day after that, and when it adds a key), so this blocks on the asynchronous ADO.NET calls the rest of
/// the extensions use rather than keep a synchronous copy of the connection code.
/// </para>
/// <para>
/// Data Protection may read the key ring before a silo's lifecycle applied the schema (its hosted service starts
/// first), so the first call applies <see cref="OrderActorsSchema"/> itself; that is a no-op when it is applied.
/// </para>
/// <para>
/// Elements are stored as Data Protection gives them: unless an <c>IXmlEncryptor</c> is configured (e.g.
/// <c>ProtectKeysWithCertificate</c>), the keys are readable by whoever can read the table.
/// </para>
/// </remarks>
public sealed class SqlXmlRepository : IXmlRepository
{
    /// <summary>The table that holds the key ring.</summary>
    public const string TableName = "orderactors_data_protection_keys";

    private readonly SqlDatabase _database;
    private readonly ILogger _logger;
    private bool _schemaApplied;

    /// <summary>Creates the repository.</summary>
    /// <param name="invariant">The ADO.NET invariant: <see cref="AdoNetInvariants.PostgreSql"/> or <see cref="AdoNetInvariants.Sqlite"/>.</param>
    /// <param name="connectionString">The database's connection string.</param>
    /// <param name="loggerFactory">Where to log keys stored and the schema applied.</param>
    public SqlXmlRepository(string invariant, string connectionString, ILoggerFactory? loggerFactory = null)
    {
        _database = SqlDatabase.For(invariant, connectionString);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SqlXmlRepository>();
    }

    /// <summary>Every stored element, oldest first.</summary>
    public IReadOnlyCollection<XElement> GetAllElements() => Run(ReadAllAsync);

    /// <summary>Adds <paramref name="element"/> to the key ring under <paramref name="friendlyName"/>.</summary>
    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        Run(() => InsertAsync(element.ToString(SaveOptions.DisableFormatting), friendlyName));
        _logger.LogInformation("Stored Data Protection element {FriendlyName} in {Table}.", friendlyName, TableName);
    }

    private async Task<IReadOnlyCollection<XElement>> ReadAllAsync()
    {
        await using var connection = await _database.OpenAsync();
        await using var command = SqlDatabase.Command(connection, null, $"SELECT xml FROM {TableName} ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var elements = new List<XElement>();
        while (await reader.ReadAsync())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    private Task<int> InsertAsync(string xml, string friendlyName)
        => _database.WriteAsync(async connection =>
        {
            await using var command = SqlDatabase.Command(connection, null,
                $"INSERT INTO {TableName} (friendly_name, xml) VALUES (@name, @xml)", ("@name", friendlyName), ("@xml", xml));
            return await command.ExecuteNonQueryAsync();
        });

    private T Run<T>(Func<Task<T>> operation)
    {
        return RunAsync().GetAwaiter().GetResult();

        async Task<T> RunAsync()
        {
            // Applied by whichever call comes first; applying twice is safe (locked and recorded), and a failure is retried.
            if (!Volatile.Read(ref _schemaApplied))
            {
                await OrderActorsSchema.ApplyAsync(_database, _logger);
                Volatile.Write(ref _schemaApplied, true);
            }

            return await operation();
        }
    }
}
