using OrderActors.Grains.Reporting;

namespace OrderActors.Tests.Domain;

/// <summary>The KPI report's durations: counts per value rounded to three significant digits of minutes.</summary>
public sealed class DurationCountsTests
{
    [Theory]
    [InlineData(0.4, 0)]
    [InlineData(999.4, 999)]
    [InlineData(999.5, 1000)]
    [InlineData(1234, 1230)]
    [InlineData(1235, 1240)]
    [InlineData(99_949, 99_900)]
    [InlineData(99_950, 100_000)]
    [InlineData(-1234, -1230)]
    public void Minutes_round_to_three_significant_digits(double minutes, long rounded)
        => Assert.Equal(rounded, DurationCounts.Round(minutes));

    [Fact]
    public void Percentiles_are_nearest_rank_over_the_rounded_values_and_a_removal_undoes_an_addition()
    {
        var counts = new DurationCounts();
        Assert.Null(counts.Percentile(50));

        // 20 durations: 1..19 hours once each, and 100 hours once.
        foreach (var hours in Enumerable.Range(1, 19).Append(100))
        {
            counts.Add(TimeSpan.FromHours(hours), +1);
        }

        Assert.Equal(20, counts.Count);
        Assert.Equal(10, counts.Percentile(50)); // rank 10 of 20
        Assert.Equal(19, counts.Percentile(95)); // rank 19 of 20
        Assert.Equal(100, counts.Percentile(100));

        counts.Add(TimeSpan.FromHours(100), -1);
        counts.Add(TimeSpan.FromHours(3), +1); // another 3 h: 1, 2, 3, 3, 4, ...
        Assert.Equal(9, counts.Percentile(50));
        Assert.Equal(19, counts.Percentile(100));

        foreach (var hours in Enumerable.Range(1, 19).Append(3))
        {
            counts.Add(TimeSpan.FromHours(hours), -1);
        }

        Assert.Equal(0, counts.Count);
        Assert.Empty(counts.Minutes);
        Assert.Null(counts.Percentile(95));
    }
}
