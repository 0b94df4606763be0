namespace OrderActors.Grains.Shipments;

/// <summary>Calendar arithmetic in business days (Monday to Friday), which is how carriers promise.</summary>
public static class BusinessDays
{
    /// <summary>The moment <paramref name="days"/> business days after <paramref name="from"/>.</summary>
    public static DateTimeOffset Add(DateTimeOffset from, int days)
    {
        var result = from;
        while (days > 0)
        {
            result = result.AddDays(1);
            if (result.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                days--;
            }
        }

        return result;
    }

    /// <summary>Whole business days from <paramref name="from"/> until <paramref name="until"/> (0 if past).</summary>
    public static int Between(DateTimeOffset from, DateTimeOffset until)
    {
        var days = 0;
        while (Add(from, days + 1) <= until)
        {
            days++;
        }

        return days;
    }
}
