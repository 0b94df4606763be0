using System.Collections.Concurrent;
using Orleans.Metadata;
using Orleans.Runtime;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// Whether any grain type in the cluster implicitly subscribes to a stream namespace, from the cluster manifest's
/// stream bindings (what <c>[ImplicitStreamSubscription]</c> declares), cached per manifest version. The receiver
/// hands Orleans a stream's own events only when someone subscribes to them: a stream nobody reads would still cost
/// the pulling agent a registration per new stream.
/// </summary>
internal sealed class ImplicitSubscriptions(GrainBindingsResolver bindings, IEnumerable<IStreamNamespacePredicateProvider> providers)
{
    private readonly IStreamNamespacePredicateProvider[] _providers = [.. providers];
    private Snapshot? _snapshot;

    public bool Any(string streamNamespace)
    {
        var current = bindings.GetAllBindings();
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Version != current.Version)
        {
            _snapshot = snapshot = new Snapshot(current.Version, [.. Predicates(current.Bindings.Values)]);
        }

        return snapshot.Namespaces.GetOrAdd(streamNamespace, static (ns, predicates) => predicates.Any(p => p is null || p.IsMatch(ns)), snapshot.Predicates);
    }

    // A pattern no provider understands stands for "may match anything" (null): its namespaces keep their deliveries.
    private IEnumerable<IStreamNamespacePredicate?> Predicates(IEnumerable<GrainBindings> grains)
    {
        foreach (var binding in grains.SelectMany(g => g.Bindings))
        {
            if (binding.GetValueOrDefault(WellKnownGrainTypeProperties.BindingTypeKey) != WellKnownGrainTypeProperties.StreamBindingTypeValue)
            {
                continue;
            }

            IStreamNamespacePredicate? predicate = null;
            if (binding.GetValueOrDefault(WellKnownGrainTypeProperties.StreamBindingPatternKey) is { } pattern)
            {
                foreach (var provider in _providers)
                {
                    if (provider.TryGetPredicate(pattern, out predicate))
                    {
                        break;
                    }
                }
            }

            yield return predicate;
        }
    }

    private sealed class Snapshot(MajorMinorVersion version, IStreamNamespacePredicate?[] predicates)
    {
        public MajorMinorVersion Version => version;

        public IStreamNamespacePredicate?[] Predicates => predicates;

        public ConcurrentDictionary<string, bool> Namespaces { get; } = new(StringComparer.Ordinal);
    }
}
