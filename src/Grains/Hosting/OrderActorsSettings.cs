using OrderActors.EventLog.Sql;

namespace OrderActors.Grains.Hosting;

/// <summary>Where state, events and reminders live (<c>OrderActors:Storage</c>).</summary>
public sealed class StorageSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Storage";

    /// <summary><c>Sqlite</c> (one machine, the default) or <c>PostgreSql</c> (a cluster's shared database).</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>The ADO.NET connection string.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/orderactors.db";

    /// <summary>
    /// Group commit: the most grain-state writes (with their events) committed in one transaction (default 64; 1 turns
    /// it off). Writes that arrive while earlier ones commit share the next commit; an idle system commits each at once.
    /// </summary>
    public int WriteBatchSize { get; set; } = 64;

    /// <summary>Group commit: how many such transactions may be in flight at once (default 4; SQLite has one writer anyway).</summary>
    public int WriteConcurrency { get; set; } = 4;

    /// <summary>Whether the provider is PostgreSQL.</summary>
    public bool IsPostgreSql => string.Equals(Provider, "PostgreSql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The ADO.NET invariant Orleans' providers and the event log use for the provider.</summary>
    public string Invariant => IsPostgreSql ? AdoNetInvariants.PostgreSql
        : string.Equals(Provider, "Sqlite", StringComparison.OrdinalIgnoreCase) ? AdoNetInvariants.Sqlite
        : throw new InvalidOperationException($"OrderActors:Storage:Provider is '{Provider}'; use 'Sqlite' or 'PostgreSql'.");
}

/// <summary>How a silo joins a cluster and how a gateway finds it (<c>OrderActors:Cluster</c>).</summary>
public sealed class ClusterSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Cluster";

    /// <summary>For the API: <c>Embedded</c> (it hosts its own silo) or <c>Client</c> (a gateway to a cluster's silos).</summary>
    public string Mode { get; set; } = "Embedded";

    /// <summary>Whether a silo joins a cluster through the membership table on PostgreSQL (else it runs alone on localhost).</summary>
    public bool Enabled { get; set; }

    /// <summary>Silos and clients of one cluster share this id.</summary>
    public string ClusterId { get; set; } = "orderactors";

    /// <summary>The service the cluster runs; state is keyed by it, so it stays the same across deployments.</summary>
    public string ServiceId { get; set; } = "orderactors";

    /// <summary>The address peers and clients use to reach this silo.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>The silo-to-silo port; 0 picks a free one (the embedded default).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients (gateways) connect to; 0 runs no gateway.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How long a silo waits for a probe's answer before counting it missed.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes after which a silo suspects its peer.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>Suspicions needed to declare a silo dead (fewer when fewer silos are alive).</summary>
    public int VotesForDeath { get; set; } = 2;
}

/// <summary>How the silo treats calls and idle grains (<c>OrderActors:Silo</c>).</summary>
public sealed class SiloSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Silo";

    /// <summary>
    /// Whether silos collect the Orleans dashboard's statistics (a grain-call filter times every call) and the API
    /// serves the dashboard at <c>/dashboard</c> to admin keys. Set it alike on every process of a cluster.
    /// </summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>How long a grain call may take before it fails (Orleans' response timeout); clients use it too.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Idle activations are deactivated after this long.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Idle order and shipment activations are deactivated after this long (default 2 minutes). Each placed order keeps
    /// an order and a shipment activation, together about 8 KB of managed heap (bench/README.md, <c>memory</c>), so at
    /// 350 orders a second the 15-minute default would hold about 2.6 GB of orders nobody is reading, 2 minutes about
    /// 0.4 GB. An order is busy for seconds after placement and then again at fulfilment, hours later.
    /// Must be more than <see cref="CollectionQuantum"/>.
    /// </summary>
    public TimeSpan OrderCollectionAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);
}
