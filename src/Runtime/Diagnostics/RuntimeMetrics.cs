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
