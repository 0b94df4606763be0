using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace OrderActors.Runtime.Hosting;

/// <summary>
/// Options of a cluster client (configuration section <c>OrderActors:Client</c>): a process that calls grains on
/// the silos of a cluster without hosting any. The cluster id comes from <c>OrderActors:Cluster:ClusterId</c>.
/// </summary>
public sealed class ClientOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Client";

    /// <summary>How this client introduces itself to silos (logs only). Default <c>client-</c> and a new GUID.</summary>
    public string ClientId { get; set; } = $"client-{Guid.NewGuid():N}";

    /// <summary>How long a caller waits for a grain call before it fails with <see cref="GrainCallTimeoutException"/>. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Assemblies with the grain classes, which map grain interfaces to grain type names (no grain runs in a client).</summary>
    public IList<Assembly> GrainAssemblies { get; } = [];

    /// <summary>Source-generated JSON metadata for arguments and results, tried before reflection.</summary>
    public IList<IJsonTypeInfoResolver> JsonContexts { get; } = [];
}
