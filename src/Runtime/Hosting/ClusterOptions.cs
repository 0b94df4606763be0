namespace OrderActors.Runtime.Hosting;

/// <summary>
/// Cluster options (configuration section <c>OrderActors:Cluster</c>). A silo is standalone (every grain local,
/// no membership) unless <see cref="Enabled"/> is true; then it registers in the membership table in PostgreSQL,
/// listens on <see cref="SiloPort"/> and owns the grains that rendezvous hashing gives it.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Cluster";

    /// <summary>Join a cluster instead of running standalone. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Silos and clients with the same id form one cluster in the membership table. Default <c>orderactors</c>.</summary>
    public string ClusterId { get; set; } = "orderactors";

    /// <summary>The host name or IP address peers and clients use to reach this silo. Default <c>127.0.0.1</c>.</summary>
    /// <remarks>
    /// The default only works when every silo runs on one machine: silos on two machines that both advertise
    /// 127.0.0.1 and the same <see cref="SiloPort"/> share an endpoint, and the second refuses to start (a silo warns at
    /// start when it advertises a loopback address in cluster mode).
    /// </remarks>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>The TCP port of the silo's transport listener; 0 picks a free port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>How often a silo writes its heartbeat and everyone re-reads the membership table. Default 1 s.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo whose heartbeat is older than this is suspected, and declared dead once enough peers agree. Default 10 s.</summary>
    /// <remarks>
    /// Derived from it: a heartbeat write gives up after a quarter of it (so a slow database fails the round instead of
    /// stalling it), and a silo whose heartbeats have all failed for <c>DeathTimeout - 2 x HeartbeatPeriod</c> fences
    /// itself (it stops owning grains and reports not ready) before its peers can declare it dead.
    /// </remarks>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Peers that must suspect a silo before it is declared dead (fewer if fewer peers are alive). Default 2.</summary>
    public int VotesForDeath { get; set; } = 2;

    /// <summary>
    /// How long a dead silo's row stays in the membership table (and in <c>GET /v1/admin/cluster</c>) before reads skip it
    /// and a silo's heartbeat round deletes it with its suspicions. Default 1 hour.
    /// </summary>
    public TimeSpan DeadSiloRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many times a silo forwards a call for a grain it does not own before answering with a retryable error. Default 2.</summary>
    public int MaxForwardHops { get; set; } = 2;

    /// <summary>
    /// A guard against pathological retry loops; the call's deadline is what bounds retries. A call that was not
    /// delivered (the owner could not be reached or was stopping, the call reached a silo that does not own the grain,
    /// the connection's queue was full) is retried, refreshing the view and backing off up to 250 ms between tries,
    /// until its deadline, so a call to a dead silo's grain waits for the view that declares it dead. A call that may
    /// have run is never retried. Default 1000.
    /// </summary>
    public int MaxCallRetries { get; set; } = 1000;

    /// <summary>
    /// How long a connection may receive nothing before it is closed and its calls fail. A connection that has been
    /// quiet for a third of this sends a ping, which a live peer answers, so only a hung peer (stopped, or cut off
    /// without a reset) reaches it. Null (the default) means twice <see cref="DeathTimeout"/> (20 s by default): long
    /// enough that a garbage collection or a busy thread pool does not close a healthy connection, short enough that a
    /// hung silo's callers learn of it about when its peers declare it dead. <see cref="Timeout.InfiniteTimeSpan"/>
    /// turns the keepalive off.
    /// </summary>
    public TimeSpan? ConnectionIdleTimeout { get; set; }

    /// <summary><see cref="ConnectionIdleTimeout"/>, or its default.</summary>
    internal TimeSpan EffectiveConnectionIdleTimeout
        => ConnectionIdleTimeout is { } idle && (idle > TimeSpan.Zero || idle == Timeout.InfiniteTimeSpan) ? idle : 2 * DeathTimeout;
}
