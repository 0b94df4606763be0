namespace OrderActors.Runtime.Membership;

/// <summary>Where a silo incarnation stands in the membership table.</summary>
public enum SiloStatus
{
    /// <summary>Registered, not yet serving: not in views.</summary>
    Joining,

    /// <summary>Serving: in every view, owns the grains rendezvous hashing gives it.</summary>
    Active,

    /// <summary>Leaving gracefully: no longer in views, still heartbeating until it is dead.</summary>
    ShuttingDown,

    /// <summary>Gone for good (left, crashed and voted out, or superseded by a restart). Final.</summary>
    Dead,
}

/// <summary>One silo's suspicion of another.</summary>
/// <param name="Suspecter">The silo that suspected.</param>
/// <param name="At">When, by the table's clock (the latest time it suspected).</param>
public sealed record SiloSuspicion(SiloAddress Suspecter, DateTimeOffset At);

/// <summary>One silo incarnation's row.</summary>
/// <param name="Silo">The incarnation.</param>
/// <param name="Status">Its status.</param>
/// <param name="StartedAt">When it registered, by the table's clock.</param>
/// <param name="HeartbeatAt">Its latest heartbeat, by the table's clock.</param>
/// <param name="Suspicions">Who suspected it, and when.</param>
public sealed record MembershipEntry(SiloAddress Silo, SiloStatus Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, IReadOnlyList<SiloSuspicion> Suspicions);

/// <summary>The membership table of one cluster as read at one moment.</summary>
/// <param name="Version">The table version: grows by one with every status change; 0 before the first join.</param>
/// <param name="Now">The table's clock at the read, which every heartbeat and suspicion time is compared with.</param>
/// <param name="Entries">Every incarnation, dead ones included.</param>
public sealed record MembershipSnapshot(long Version, DateTimeOffset Now, IReadOnlyList<MembershipEntry> Entries)
{
    /// <summary>The row of an incarnation, or null.</summary>
    /// <param name="silo">The incarnation.</param>
    /// <returns>Its row.</returns>
    public MembershipEntry? Find(SiloAddress silo) => Entries.FirstOrDefault(e => e.Silo == silo);

    /// <summary>The view this table gives: its version and the active silos.</summary>
    /// <returns>The view.</returns>
    public MembershipView ToView() => new(Version, Entries.Where(e => e.Status == SiloStatus.Active).Select(e => e.Silo));
}

/// <summary>
/// The membership table: one row per silo incarnation per cluster, and a per-cluster version. Status changes are
/// optimistic: each names the version it read and fails, changing nothing, if the version moved since.
/// </summary>
/// <remarks>
/// Heartbeats and suspicions do not move the version: each silo writes only its own heartbeat and its own
/// suspicions, so those writes cannot lose anyone's update. Every time is taken from the table's clock.
/// </remarks>
public interface IMembershipTable
{
    /// <summary>
    /// Reads the table of a cluster, with the table's clock: every row but those dead for longer than the table's
    /// retention (<see cref="Hosting.ClusterOptions.DeadSiloRetention"/>).
    /// </summary>
    /// <param name="clusterId">The cluster.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The snapshot.</returns>
    Task<MembershipSnapshot> ReadAsync(string clusterId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers an incarnation as <see cref="SiloStatus.Joining"/> and declares dead every older incarnation on
    /// the same endpoint (a restart supersedes its predecessor), as one status change.
    /// </summary>
    /// <param name="clusterId">The cluster.</param>
    /// <param name="silo">The new incarnation.</param>
    /// <param name="expectedVersion">The version the caller read.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>False, with nothing changed, if the version moved.</returns>
    Task<bool> TryJoinAsync(string clusterId, SiloAddress silo, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes an incarnation's status as one status change. Only forward moves succeed: joining → active,
    /// joining or active → shutting down, anything but dead → dead.
    /// </summary>
    /// <param name="clusterId">The cluster.</param>
    /// <param name="silo">The incarnation.</param>
    /// <param name="status">The new status (not <see cref="SiloStatus.Joining"/>).</param>
    /// <param name="expectedVersion">The version the caller read.</param>
    /// <param name="onlyIfSilentFor">When set, succeeds only if the incarnation's last heartbeat is older than this by the table's clock (a death by vote must not hit a silo that just heartbeated).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>False, with nothing changed, if the version moved, the move is not forward or the silo heartbeated.</returns>
    Task<bool> TryChangeStatusAsync(
        string clusterId, SiloAddress silo, SiloStatus status, long expectedVersion, TimeSpan? onlyIfSilentFor = null, CancellationToken cancellationToken = default);

    /// <summary>Writes an incarnation's heartbeat with the table's clock.</summary>
    /// <param name="clusterId">The cluster.</param>
    /// <param name="silo">The incarnation.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>False if the incarnation is dead or unknown: it must stop serving.</returns>
    Task<bool> HeartbeatAsync(string clusterId, SiloAddress silo, CancellationToken cancellationToken = default);

    /// <summary>Records (or renews) a suspicion of one incarnation by another, with the table's clock.</summary>
    /// <param name="clusterId">The cluster.</param>
    /// <param name="suspect">The silent incarnation.</param>
    /// <param name="suspecter">The incarnation that suspects it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once the suspicion is stored.</returns>
    Task SuspectAsync(string clusterId, SiloAddress suspect, SiloAddress suspecter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the rows dead for longer than the retention, with their suspicions, and every suspicion older than
    /// the retention. Not a status change: dead is final and reads already skip those rows, so it needs no version.
    /// </summary>
    /// <param name="clusterId">The cluster.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>How many silo rows were deleted.</returns>
    Task<int> PruneAsync(string clusterId, CancellationToken cancellationToken = default);
}
