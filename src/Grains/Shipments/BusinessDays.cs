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

    /// <summary>
    /// Business days from the UTC date of <paramref name="from"/> to the UTC date of <paramref name="until"/> (0 if
    /// past). Promises are dates: a parcel shipped a minute after an order placed at 10:00 still has the whole
    /// promise, not one day less because 10:01 plus five days passes 10:00.
    /// </summary>
    public static int Between(DateTimeOffset from, DateTimeOffset until)
    {
        var start = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero);
        var end = until.UtcDateTime.Date;
        var days = 0;
        while (Add(start, days + 1).UtcDateTime.Date <= end)
        {
            days++;
        }

        return days;
    }
}
