using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace OrderActors.Runtime.Diagnostics;

/// <summary>
/// Collects the <c>OrderActors</c> meter in process and writes it in the Prometheus text format (version 0.0.4), so
/// a silo or an API can serve <c>GET /metrics</c> without an exporter package. Counters become <c>_total</c> series,
/// up-down counters and observable gauges become gauges, histograms get cumulative buckets in milliseconds.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    private static readonly double[] Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly MeterListener _listener = new();
    // Keyed by the tag values as they come (our instruments have at most two tags, with fixed names), so recording a
    // measurement builds no label text: that is done once per series.
    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();

    /// <summary>Starts listening to the <c>OrderActors</c> meter.</summary>
    public PrometheusMetrics()
        : this(RuntimeMetrics.MeterName)
    {
    }

    internal PrometheusMetrics(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Writes every series in the Prometheus text format.</summary>
    /// <param name="writer">Where to write.</param>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _listener.RecordObservableInstruments();
        foreach (var family in _series.GroupBy(s => s.Key.Instrument).OrderBy(f => f.Key.Name, StringComparer.Ordinal))
        {
            var instrument = family.Key;
            var name = instrument.Name.Replace('.', '_');
            var kind = Kind(instrument);
            var metric = kind == "counter" ? name + "_total" : name;
            writer.Write($"# HELP {metric} {instrument.Description}\n# TYPE {metric} {kind}\n");
            foreach (var series in family.Select(s => s.Value).OrderBy(s => s.Labels, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (kind != "histogram")
                    {
                        writer.Write($"{metric}{Braces(series.Labels)} {Number(series.Value)}\n");
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i < Buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        writer.Write($"{name}_bucket{Braces(Join(series.Labels, $"le=\"{Number(Buckets[i])}\""))} {cumulative}\n");
                    }

                    writer.Write($"{name}_bucket{Braces(Join(series.Labels, "le=\"+Inf\""))} {series.Count}\n");
                    writer.Write($"{name}_sum{Braces(series.Labels)} {Number(series.Value)}\n");
                    writer.Write($"{name}_count{Braces(series.Labels)} {series.Count}\n");
                }
            }
        }
    }

    /// <summary>The series as text, as <see cref="WriteTo"/> writes them.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(text);
        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = tags.Length switch
        {
            0 => new SeriesKey(instrument, null, null, null),
            1 => new SeriesKey(instrument, tags[0].Value, null, null),
            2 => new SeriesKey(instrument, tags[0].Value, tags[1].Value, null),
            _ => new SeriesKey(instrument, null, null, Labels(tags)),
        };
        if (!_series.TryGetValue(key, out var series))
        {
            series = _series.GetOrAdd(key, new Series(Labels(tags)));
        }

        lock (series)
        {
            switch (instrument)
            {
                case ObservableGauge<long> or ObservableGauge<double> or ObservableGauge<int>:
                    series.Value = value;
                    break;
                case Histogram<double> or Histogram<long> or Histogram<int>:
                    series.Value += value;
                    series.Count++;
                    var bucket = Array.BinarySearch(Buckets, value);
                    series.Buckets[bucket >= 0 ? bucket : ~bucket < Buckets.Length ? ~bucket : Buckets.Length]++;
                    break;
                default:
                    series.Value += value;
                    break;
            }
        }
    }

    private static string Kind(Instrument instrument) => instrument switch
    {
        Counter<long> or Counter<double> or Counter<int> => "counter",
        Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
        _ => "gauge",
    };

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return "";
        }

        var labels = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = value is bool flag ? (flag ? "true" : "false") : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            labels.Add($"{key.Replace('.', '_')}=\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        }

        labels.Sort(StringComparer.Ordinal);
        return string.Join(',', labels);
    }

    private static string Join(string labels, string more) => labels.Length == 0 ? more : labels + "," + more;

    private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private readonly record struct SeriesKey(Instrument Instrument, object? First, object? Second, string? More);

    private sealed class Series(string labels)
    {
        public string Labels { get; } = labels;

        public double Value { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[PrometheusMetrics.Buckets.Length + 1];
    }
}
