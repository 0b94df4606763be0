using Orleans.TestingHost;

namespace OrderActors.EventLog.Tests.Infrastructure;

/// <summary>A test class with its own database (from <see cref="CreateDatabaseAsync"/>) and one-silo cluster on it.</summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    protected TestDatabase Database { get; private set; } = null!;

    protected InProcessTestCluster Cluster => _cluster!;

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        _cluster = await EventLogCluster.StartAsync(Database);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
