using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrderActors.Runtime.Messaging;

namespace OrderActors.Runtime.Diagnostics;

/// <summary>The runtime's instruments on the <c>OrderActors</c> meter.</summary>
public static class RuntimeMetrics
{
    /// <summary>The meter's name, for exporters and <see cref="MeterListener"/>s.</summary>
    public const string MeterName = "OrderActors";

    private static readonly Meter Meter = new(MeterName, "1.0");

    internal static readonly Counter<long> ActivationsCreated =
        Meter.CreateCounter<long>("orderactors.activations.created", "{activation}", "Activations created.");

    internal static readonly UpDownCounter<long> ActivationsActive =
        Meter.CreateUpDownCounter<long>("orderactors.activations.active", "{activation}", "Activations currently in memory.");

    internal static readonly Histogram<double> ActivationDuration =
        Meter.CreateHistogram<double>("orderactors.activation.duration", "ms", "Time to activate a grain (state read and OnActivateAsync).");

    internal static readonly Counter<long> Calls =
        Meter.CreateCounter<long>("orderactors.calls", "{call}", "Grain calls sent.");

    internal static readonly Histogram<double> CallDuration =
        Meter.CreateHistogram<double>("orderactors.call.duration", "ms", "Grain call latency as the caller sees it.");

    internal static readonly Histogram<double> StorageDuration =
        Meter.CreateHistogram<double>("orderactors.storage.duration", "ms", "Grain storage operation latency.");

    internal static readonly Counter<long> StorageConflicts =
        Meter.CreateCounter<long>("orderactors.storage.conflicts", "{conflict}", "State writes rejected by the version check.");

    // Membership: the latest view published in this process (one silo or client per process in production).
    private static long _activeSilos;
    private static long _viewVersion;

    internal static readonly ObservableGauge<long> MembershipActiveSilos =
        Meter.CreateObservableGauge("orderactors.membership.active_silos", () => Interlocked.Read(ref _activeSilos), "{silo}", "Active silos in the latest membership view.");

    internal static readonly ObservableGauge<long> MembershipViewVersion =
        Meter.CreateObservableGauge("orderactors.membership.view_version", () => Interlocked.Read(ref _viewVersion), "{version}", "Version of the latest membership view.");

    internal static readonly Counter<long> SilosDeclaredDead =
        Meter.CreateCounter<long>("orderactors.membership.silos_declared_dead", "{silo}", "Silos this silo declared dead (silent past the death timeout, or superseded by a restart).");

    internal static void RecordMembershipView(Membership.MembershipView view)
    {
        Interlocked.Exchange(ref _activeSilos, view.ActiveSilos.Count);
        Interlocked.Exchange(ref _viewVersion, view.Version);
    }

    internal static readonly Counter<long> CallRetries =
        Meter.CreateCounter<long>("orderactors.calls.retried", "{call}",
            "Cluster calls retried on the grain's owner after a refreshed view (tag reason: silo_unavailable or wrong_silo).");

    internal static readonly Counter<long> CallsForwarded =
        Meter.CreateCounter<long>("orderactors.calls.forwarded", "{call}", "Calls a silo forwarded because it did not own the grain.");

    internal static void RecordRetry(Exception reason)
        => CallRetries.Add(1, new KeyValuePair<string, object?>("reason", reason is WrongSiloException ? "wrong_silo" : "silo_unavailable"));

    internal static void ActivationCreated(long startedTimestamp)
    {
        ActivationsCreated.Add(1);
        ActivationsActive.Add(1);
        ActivationDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds);
    }

    internal static void ActivationRemoved() => ActivationsActive.Add(-1);

    internal static void RecordCall(GrainMethod method, long startedTimestamp, bool failed)
    {
        if (CallDuration.Enabled)
        {
            CallDuration.Record(
                Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds,
                new KeyValuePair<string, object?>("method", method.Name),
                new KeyValuePair<string, object?>("failed", failed));
        }
    }

    internal static void RecordStorage(string operation, long startedTimestamp)
    {
        if (StorageDuration.Enabled)
        {
            StorageDuration.Record(
                Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds,
                new KeyValuePair<string, object?>("operation", operation));
        }
    }
}
