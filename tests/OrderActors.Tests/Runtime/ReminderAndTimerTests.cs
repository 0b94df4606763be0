using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Runtime;

public sealed class ReminderAndTimerTests
{
    [Fact]
    public async Task A_reminder_fires_on_its_period_and_stops_when_unregistered()
    {
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartAsync(time: time);
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>(Guid.NewGuid().ToString());
        await grain.StartReminderAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Assert.True(await grain.HasReminderAsync());

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await grain.TicksAsync());
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(async () => await grain.TicksAsync() == 1, "the first tick arrived");
        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => await grain.TicksAsync() == 2, "the second tick arrived");

        await grain.StopReminderAsync();
        Assert.False(await grain.HasReminderAsync());
        time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(100);
        Assert.Equal(2, await grain.TicksAsync());
    }

    [Fact]
    public async Task A_reminder_survives_a_restart_of_the_silo_and_fires_when_overdue()
    {
        var file = Path.Combine(Path.GetTempPath(), $"orderactors-reminders-{Guid.NewGuid():N}.db");
        var connection = $"Data Source={file}";
        var key = Guid.NewGuid().ToString();
        var time = new ManualTimeProvider();
        try
        {
            await using (var first = await TestSilo.StartAsync("Sqlite", connection, time))
            {
                await first.Grains.GetGrain<IReminderProbeGrain>(key).StartReminderAsync(TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));
            }

            time.Advance(TimeSpan.FromMinutes(30)); // the due time passes while no silo runs
            await using var second = await TestSilo.StartAsync("Sqlite", connection, time);
            var grain = second.Grains.GetGrain<IReminderProbeGrain>(key);
            time.Advance(TimeSpan.Zero);
            await Eventually.TrueAsync(async () => await grain.TicksAsync() == 1, "the overdue reminder fired after the restart");
            Assert.True(await grain.HasReminderAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_reminder_tick_that_finds_its_grain_busy_waits_its_turn()
    {
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartAsync(time: time);
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>(Guid.NewGuid().ToString());
        await grain.StartReminderAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        var busy = grain.HoldAsync(300);
        time.Advance(TimeSpan.FromMinutes(1));
        await busy;
        await Eventually.TrueAsync(async () => await grain.TicksAsync() == 1, "the tick ran after the busy request, not refused as a call cycle");
    }

    [Fact]
    public async Task A_reminder_due_beyond_the_longest_timer_fires_on_time()
    {
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartAsync(time: time);
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>(Guid.NewGuid().ToString());
        await grain.StartReminderAsync(TimeSpan.FromDays(60), TimeSpan.FromDays(90));
        time.Advance(TimeSpan.FromDays(59));
        await Task.Delay(50);
        Assert.Equal(0, await grain.TicksAsync());
        time.Advance(TimeSpan.FromDays(1));
        await Eventually.TrueAsync(async () => await grain.TicksAsync() == 1, "the 60-day reminder fired on day 60");
    }

    [Fact]
    public async Task A_one_shot_timer_runs_its_callback_once()
    {
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartAsync(time: time);
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>(Guid.NewGuid().ToString());
        await grain.TimerTicksAsync();
        var timersBefore = time.ActiveTimers;
        await grain.StartTimerAsync(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(async () => await grain.TimerTicksAsync() == 1, "the one-shot timer ran");
        time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(50);
        Assert.Equal(1, await grain.TimerTicksAsync());
        Assert.Equal(timersBefore, time.ActiveTimers); // the spent one-shot timer is gone
    }

    [Fact]
    public async Task A_timer_ticks_as_a_turn_of_its_activation()
    {
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartAsync(time: time);
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>(Guid.NewGuid().ToString());
        await grain.StartTimerAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        for (var i = 1; i <= 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var expected = i;
            await Eventually.TrueAsync(async () => await grain.TimerTicksAsync() == expected, $"timer tick {i} ran");
        }
    }
}
