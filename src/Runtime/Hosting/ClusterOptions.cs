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
    /// How many times a caller retries a call that failed with a retryable error (the owner went away, or the call
    /// reached a silo that does not own the grain), refreshing its view before each retry; the call's deadline
    /// bounds the retries too. Default 4.
    /// </summary>
    public int MaxCallRetries { get; set; } = 4;
}
