using OrderActors.Runtime.Membership;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// A membership table seen through one silo's connection: counts its reads, can hold them in flight, and can be made
/// unreachable (every call throws), as when the database is down for this silo but not for its peers.
/// </summary>
public sealed class ObservedMembershipTable(IMembershipTable inner) : IMembershipTable
{
    private int _reads;
    private volatile TaskCompletionSource? _readGate;

    public int Reads => Volatile.Read(ref _reads);

    public bool Unreachable { get; set; }

    /// <summary>Reads wait until <see cref="ReleaseReads"/>.</summary>
    public void HoldReads() => _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseReads() => _readGate?.TrySetResult();

    public async Task<MembershipSnapshot> ReadAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        if (_readGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return await Reach().ReadAsync(clusterId, cancellationToken);
    }

    public Task<bool> TryJoinAsync(string clusterId, SiloAddress silo, long expectedVersion, CancellationToken cancellationToken = default)
        => Reach().TryJoinAsync(clusterId, silo, expectedVersion, cancellationToken);

    public Task<bool> TryChangeStatusAsync(
        string clusterId, SiloAddress silo, SiloStatus status, long expectedVersion, TimeSpan? onlyIfSilentFor = null, CancellationToken cancellationToken = default)
        => Reach().TryChangeStatusAsync(clusterId, silo, status, expectedVersion, onlyIfSilentFor, cancellationToken);

    public Task<bool> HeartbeatAsync(string clusterId, SiloAddress silo, CancellationToken cancellationToken = default)
        => Reach().HeartbeatAsync(clusterId, silo, cancellationToken);

    public Task SuspectAsync(string clusterId, SiloAddress suspect, SiloAddress suspecter, CancellationToken cancellationToken = default)
        => Reach().SuspectAsync(clusterId, suspect, suspecter, cancellationToken);

    public Task<int> PruneAsync(string clusterId, CancellationToken cancellationToken = default) => Reach().PruneAsync(clusterId, cancellationToken);

    private IMembershipTable Reach() => Unreachable ? throw new TimeoutException("The membership table is unreachable from this silo (test).") : inner;
}
