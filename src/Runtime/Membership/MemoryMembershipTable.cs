namespace OrderActors.Runtime.Membership;

/// <summary>The membership table in process memory, on a <see cref="TimeProvider"/>'s clock: for tests of silos in one process.</summary>
/// <param name="time">The table's clock.</param>
/// <param name="deadSiloRetention">How long dead rows stay visible (default 1 hour, as <see cref="Hosting.ClusterOptions.DeadSiloRetention"/>).</param>
public sealed class MemoryMembershipTable(TimeProvider time, TimeSpan? deadSiloRetention = null) : IMembershipTable
{
    private readonly TimeSpan _retention = deadSiloRetention ?? TimeSpan.FromHours(1);
    private readonly object _lock = new();
    private readonly Dictionary<string, Cluster> _clusters = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<MembershipSnapshot> ReadAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var cluster = Get(clusterId);
            var now = time.GetUtcNow();
            var entries = cluster.Rows.Values
                .Where(r => !IsExpired(r, now))
                .Select(r => new MembershipEntry(r.Silo, r.Status, r.StartedAt, r.HeartbeatAt, r.Suspicions.Select(s => new SiloSuspicion(s.Key, s.Value)).ToArray()))
                .ToArray();
            return Task.FromResult(new MembershipSnapshot(cluster.Version, now, entries));
        }
    }

    /// <inheritdoc />
    public Task<bool> TryJoinAsync(string clusterId, SiloAddress silo, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        lock (_lock)
        {
            var cluster = Get(clusterId);
            if (cluster.Version != expectedVersion)
            {
                return Task.FromResult(false);
            }

            if (cluster.Rows.ContainsKey(silo))
            {
                throw new InvalidOperationException($"Silo {silo} is already registered in cluster '{clusterId}'.");
            }

            var now = time.GetUtcNow();
            foreach (var older in cluster.Rows.Values.Where(r => r.Silo.Endpoint == silo.Endpoint && r.Silo.Generation < silo.Generation && r.Status != SiloStatus.Dead))
            {
                older.Status = SiloStatus.Dead;
                older.DeadAt = now;
            }

            cluster.Rows[silo] = new Row(silo) { Status = SiloStatus.Joining, StartedAt = now, HeartbeatAt = now };
            cluster.Version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> TryChangeStatusAsync(
        string clusterId, SiloAddress silo, SiloStatus status, long expectedVersion, TimeSpan? onlyIfSilentFor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        lock (_lock)
        {
            var cluster = Get(clusterId);
            if (cluster.Version != expectedVersion
                || !cluster.Rows.TryGetValue(silo, out var row)
                || !MembershipRules.IsForward(row.Status, status)
                || (onlyIfSilentFor is { } silence && time.GetUtcNow() - row.HeartbeatAt <= silence))
            {
                return Task.FromResult(false);
            }

            row.Status = status;
            row.DeadAt = status == SiloStatus.Dead ? time.GetUtcNow() : null;
            cluster.Version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> HeartbeatAsync(string clusterId, SiloAddress silo, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!Get(clusterId).Rows.TryGetValue(silo, out var row) || row.Status == SiloStatus.Dead)
            {
                return Task.FromResult(false);
            }

            row.HeartbeatAt = time.GetUtcNow();
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task SuspectAsync(string clusterId, SiloAddress suspect, SiloAddress suspecter, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (Get(clusterId).Rows.TryGetValue(suspect, out var row))
            {
                row.Suspicions[suspecter] = time.GetUtcNow();
            }

            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<int> PruneAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var cluster = Get(clusterId);
            var now = time.GetUtcNow();
            var expired = cluster.Rows.Values.Where(r => IsExpired(r, now)).Select(r => r.Silo).ToArray();
            foreach (var silo in expired)
            {
                cluster.Rows.Remove(silo);
            }

            foreach (var row in cluster.Rows.Values)
            {
                foreach (var suspecter in row.Suspicions.Where(s => now - s.Value > _retention).Select(s => s.Key).ToArray())
                {
                    row.Suspicions.Remove(suspecter);
                }
            }

            return Task.FromResult(expired.Length);
        }
    }

    private bool IsExpired(Row row, DateTimeOffset now) => row.Status == SiloStatus.Dead && now - row.DeadAt > _retention;

    private Cluster Get(string clusterId)
    {
        if (!_clusters.TryGetValue(clusterId, out var cluster))
        {
            cluster = new Cluster();
            _clusters[clusterId] = cluster;
        }

        return cluster;
    }

    private sealed class Cluster
    {
        public long Version { get; set; }

        public Dictionary<SiloAddress, Row> Rows { get; } = [];
    }

    private sealed class Row(SiloAddress silo)
    {
        public SiloAddress Silo { get; } = silo;

        public SiloStatus Status { get; set; }

        public DateTimeOffset StartedAt { get; init; }

        public DateTimeOffset HeartbeatAt { get; set; }

        public DateTimeOffset? DeadAt { get; set; }

        public Dictionary<SiloAddress, DateTimeOffset> Suspicions { get; } = [];
    }
}

/// <summary>Rules every membership table applies the same way.</summary>
internal static class MembershipRules
{
    /// <summary>Whether a status may follow another: statuses only move forward, and dead is final.</summary>
    public static bool IsForward(SiloStatus from, SiloStatus to) => (from, to) switch
    {
        (SiloStatus.Joining, SiloStatus.Active) => true,
        (SiloStatus.Joining or SiloStatus.Active, SiloStatus.ShuttingDown) => true,
        (not SiloStatus.Dead, SiloStatus.Dead) => true,
        _ => false,
    };

    /// <summary>The text of a status in the SQL table.</summary>
    public static string ToText(SiloStatus status) => status switch
    {
        SiloStatus.Joining => "joining",
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown => "shutting_down",
        _ => "dead",
    };

    /// <summary>The status of a text in the SQL table.</summary>
    public static SiloStatus FromText(string text) => text switch
    {
        "joining" => SiloStatus.Joining,
        "active" => SiloStatus.Active,
        "shutting_down" => SiloStatus.ShuttingDown,
        "dead" => SiloStatus.Dead,
        _ => throw new FormatException($"'{text}' is not a silo status (joining, active, shutting_down, dead)."),
    };
}
