using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace OrderActors.Benchmarks.Load;

/// <summary>
/// Shows how the run is going: a live Spectre.Console table, redrawn four times a second, when standard output is a
/// terminal; otherwise a plain line on standard error every 5 s, so a captured standard output holds only results.
/// </summary>
internal sealed class LoadProgress
{
    private readonly string _title;
    private volatile PhaseStatus _phase = new("starting", null, Stopwatch.GetTimestamp(), null);

    public LoadProgress(string title) => _title = title;

    /// <summary>Whether the live display is used.</summary>
    public static bool IsLive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Starts a phase; <paramref name="recorder"/> is what it counts into, <paramref name="target"/> says when it ends.</summary>
    public void Phase(string name, LoadRecorder? recorder = null, string? target = null)
    {
        _phase = new PhaseStatus(name, recorder, Stopwatch.GetTimestamp(), target);
        if (!IsLive)
        {
            Console.Error.WriteLine($"[{_title}] {name}{(target is null ? "" : " (" + target + ")")}");
        }
    }

    /// <summary>Runs <paramref name="work"/> while showing its progress.</summary>
    public async Task<T> ShowAsync<T>(Func<Task<T>> work)
    {
        if (IsLive)
        {
            return await AnsiConsole.Live(Render()).AutoClear(true).StartAsync(async context =>
            {
                var running = work();
                while (await Task.WhenAny(running, Task.Delay(250)) != running)
                {
                    context.UpdateTarget(Render());
                }

                return await running;
            });
        }

        var task = work();
        while (await Task.WhenAny(task, Task.Delay(5000)) != task)
        {
            Console.Error.WriteLine($"[{_title}] {Summary()}");
        }

        return await task;
    }

    private Table Render()
    {
        var table = new Table().Title(Markup.Escape(_title)).AddColumn("phase").AddColumn("elapsed").AddColumn("placed").AddColumn("refused")
            .AddColumn("errors").AddColumn("orders/s").AddColumn("p50 / p99 ms");
        var phase = _phase;
        var seconds = Stopwatch.GetElapsedTime(phase.Started).TotalSeconds;
        if (phase.Recorder is { } r)
        {
            var latency = r.Latencies();
            table.AddRow(Markup.Escape(phase.Name + (phase.Target is null ? "" : $" ({phase.Target})")), F($"{seconds:0} s"), F($"{r.Accepted}"),
                F($"{r.Refused + r.RefusedWithoutAlternative}"), r.Errors == 0 ? "0" : $"[red]{r.Errors}[/]",
                F($"{r.Answered / Math.Max(0.001, r.ElapsedSeconds):0}"), F($"{latency.P50:0.0} / {latency.P99:0.0}"));
        }
        else
        {
            table.AddRow(Markup.Escape(phase.Name), F($"{seconds:0} s"), "", "", "", "", "");
        }

        return table;
    }

    private string Summary()
    {
        var phase = _phase;
        var seconds = Stopwatch.GetElapsedTime(phase.Started).TotalSeconds;
        if (phase.Recorder is not { } r)
        {
            return F($"{phase.Name}: {seconds:0} s");
        }

        var latency = r.Latencies();
        return F($"{phase.Name}: {seconds:0} s, placed {r.Accepted}, refused {r.Refused + r.RefusedWithoutAlternative}, errors {r.Errors}, ") +
               F($"{r.Answered / Math.Max(0.001, r.ElapsedSeconds):0} orders/s, p50 {latency.P50:0.0} ms, p99 {latency.P99:0.0} ms");
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record PhaseStatus(string Name, LoadRecorder? Recorder, long Started, string? Target);
}
