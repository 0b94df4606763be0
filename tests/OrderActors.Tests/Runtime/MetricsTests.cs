using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrderActors.Runtime;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Persistence;
using OrderActors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Tests.Runtime;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_OrderActors_meter_reports_activations_calls_latency_storage_and_conflicts()
    {
        var seen = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => seen.AddOrUpdate(instrument.Name, 1, (_, v) => v + 1));
        listener.Start();

        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var counter = silo.Grains.GetGrain<ICounterGrain>(key);
        await counter.IncrementAsync(1);
        await silo.Services.GetRequiredService<IGrainStorage>().WriteAsync(new GrainId("test-counter", key), "counter", "{}"u8.ToArray(), 1);
        await Assert.ThrowsAsync<InconsistentStateException>(() => counter.IncrementAsync(1));

        foreach (var name in new[]
        {
            "orderactors.activations.created", "orderactors.activation.duration", "orderactors.calls", "orderactors.call.duration",
            "orderactors.storage.duration", "orderactors.storage.conflicts",
        })
        {
            Assert.True(seen.TryGetValue(name, out var value) && value > 0, $"expected measurements on {name}; saw {string.Join(", ", seen.Keys)}");
        }
    }
}
