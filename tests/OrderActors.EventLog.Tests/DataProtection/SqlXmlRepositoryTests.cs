using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.EventLog.DataProtection;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.Tests.AdoNet;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.EventLog.Tests.DataProtection;

/// <summary>
/// The Data Protection key ring on our database: what one process stores, another on the same database reads, and a
/// payload one node's provider protected, a provider built over the same database in another container unprotects.
/// </summary>
public abstract class SqlXmlRepositoryContract
{
    private const string Purpose = "OrderActors.Tests.DataProtection";

    /// <summary>A database with no schema applied yet: the repository applies it on first use.</summary>
    protected abstract Task<AdoNetDatabase> CreateEmptyDatabaseAsync();

    [Fact]
    public async Task Elements_stored_by_one_repository_are_read_by_another_in_order_on_a_database_it_set_up_itself()
    {
        var database = await CreateEmptyDatabaseAsync();
        var first = new SqlXmlRepository(database.Invariant, database.ConnectionString);
        Assert.Empty(first.GetAllElements());

        first.StoreElement(new XElement("key", new XAttribute("id", "1"), new XElement("secret", "a")), "key-1");
        first.StoreElement(new XElement("revocation", new XAttribute("id", "1")), "revocation-1");

        var second = new SqlXmlRepository(database.Invariant, database.ConnectionString);
        var elements = second.GetAllElements();
        Assert.Equal(["key", "revocation"], elements.Select(e => e.Name.LocalName));
        Assert.Equal("a", elements.First().Element("secret")?.Value);
        var rows = await AdoNetSql.QueryAsync(database, $"SELECT friendly_name FROM {SqlXmlRepository.TableName} ORDER BY id");
        Assert.Equal(["key-1", "revocation-1"], rows.Select(r => r[0]));
    }

    [Fact]
    public async Task A_payload_protected_on_one_node_is_unprotected_on_another_that_shares_the_database()
    {
        var database = await CreateEmptyDatabaseAsync();
        using var nodeA = Node(database);
        using var nodeB = Node(database);

        var protectedText = nodeA.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("whsec_shared");

        Assert.Equal("whsec_shared", nodeB.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedText));
        Assert.Single(await AdoNetSql.QueryAsync(database, $"SELECT id FROM {SqlXmlRepository.TableName}"));

        // A node with its own key ring (another database) cannot read it.
        var other = await CreateEmptyDatabaseAsync();
        using var stranger = Node(other);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(
            () => stranger.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedText));
    }

    private static ServiceProvider Node(AdoNetDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName("OrderActors.Tests").PersistKeysToOrderActorsDatabase(database.Invariant, database.ConnectionString);
        return services.BuildServiceProvider();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSqlXmlRepositoryTests(PostgresServer server) : SqlXmlRepositoryContract
{
    protected override async Task<AdoNetDatabase> CreateEmptyDatabaseAsync()
        => new(AdoNetInvariants.PostgreSql, await server.CreateDatabaseAsync());
}

public sealed class SqliteSqlXmlRepositoryTests : SqlXmlRepositoryContract, IDisposable
{
    private readonly List<SqliteFile> _files = [];

    protected override Task<AdoNetDatabase> CreateEmptyDatabaseAsync()
    {
        var file = new SqliteFile();
        _files.Add(file);
        return Task.FromResult(new AdoNetDatabase(AdoNetInvariants.Sqlite, file.ConnectionString));
    }

    public void Dispose() => _files.ForEach(f => f.Dispose());
}
