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
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>The TCP port of the silo's transport listener; 0 picks a free port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>How often a silo writes its heartbeat and everyone re-reads the membership table. Default 1 s.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo whose heartbeat is older than this is suspected, and declared dead once enough peers agree. Default 10 s.</summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Peers that must suspect a silo before it is declared dead (fewer if fewer peers are alive). Default 2.</summary>
    public int VotesForDeath { get; set; } = 2;

    /// <summary>How many times a silo forwards a call for a grain it does not own before answering with a retryable error. Default 2.</summary>
    public int MaxForwardHops { get; set; } = 2;

    /// <summary>
    /// How many times a caller retries a call that failed with a retryable error (the owner went away, or the call
    /// reached a silo that does not own the grain), refreshing its view before each retry; the call's deadline
    /// bounds the retries too. Default 4.
    /// </summary>
    public int MaxCallRetries { get; set; } = 4;
}
