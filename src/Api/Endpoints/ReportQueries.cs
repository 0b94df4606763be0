using System.Buffers.Text;
using System.Globalization;
using System.Text;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;

namespace OrderActors.Api.Endpoints;

/// <summary>Reads the query strings of the report endpoints; every bad value is a field error (422), never a 400 or 500.</summary>
internal static class ReportQueries
{
    public const int DefaultSalesDays = 30;
    public const int MaxOrdersPage = 200;
    public const int DefaultOrdersPage = 50;
    public const int MaxInventoryPage = 1000;
    public const int DefaultInventoryPage = 100;
    public const int MaxThreshold = 1_000_000_000;

    private const string CursorVersion = "v1";
    private static readonly string[] ListedStatuses = ["confirmed", "completed", "cancelled"];

    /// <summary>from/to (UTC dates of confirmation, inclusive; default the 30 days up to today) and groupBy (default day).</summary>
    public static SalesQuery? Sales(string? from, string? to, string? groupBy, DateOnly today, Validation validation)
    {
        var grouping = groupBy is null
            ? SalesGrouping.Day
            : Enum.GetValues<SalesGrouping>().Cast<SalesGrouping?>().FirstOrDefault(g => string.Equals(g.ToString(), groupBy, StringComparison.OrdinalIgnoreCase));
        if (grouping is null)
        {
            validation.Add("groupBy", $"'{groupBy}' is not one of: day, sku, channel.");
        }

        var last = Date("to", to, validation) ?? (to is null ? today : null);
        var first = Date("from", from, validation) ?? (from is null && last is { } end ? DateOnly.FromDayNumber(Math.Max(0, end.DayNumber - (DefaultSalesDays - 1))) : null);
        if (first is { } f && last is { } l)
        {
            if (l < f)
            {
                validation.Add("to", $"{l:yyyy-MM-dd} is before 'from' ({f:yyyy-MM-dd}).");
            }
            else if (l.DayNumber - f.DayNumber >= SalesQuery.MaxDays)
            {
                validation.Add("to", $"the range from {f:yyyy-MM-dd} to {l:yyyy-MM-dd} is longer than {SalesQuery.MaxDays} days.");
            }
        }

        return validation.IsValid ? new SalesQuery(first!.Value, last!.Value, grouping!.Value) : null;
    }

    /// <summary>status, channel, customer, from/to (UTC dates placed, inclusive), limit (1..max, default 50) and cursor.</summary>
    public static OrderListQuery? Orders(
        string? status, string? channel, string? customer, string? from, string? to, string? limit, string? cursor, Validation validation, int maxLimit = MaxOrdersPage)
    {
        OrderStatus? byStatus = null;
        if (status is not null)
        {
            if (ListedStatuses.Contains(status, StringComparer.OrdinalIgnoreCase))
            {
                byStatus = Enum.Parse<OrderStatus>(status, ignoreCase: true);
            }
            else
            {
                validation.Add("status", $"'{status}' is not one of: {string.Join(", ", ListedStatuses)}.");
            }
        }

        var byChannel = channel is null ? null : validation.Enum<SalesChannel>("channel", channel, default);
        if (customer is not null && (customer.Length is 0 or > 200))
        {
            validation.Add("customer", "must be 1 to 200 characters.");
        }

        var first = Date("from", from, validation);
        var last = Date("to", to, validation);
        if (first is { } f && last is { } l && l < f)
        {
            validation.Add("to", $"{l:yyyy-MM-dd} is before 'from' ({f:yyyy-MM-dd}).");
        }

        var size = Limit(limit, DefaultOrdersPage, maxLimit, validation);
        var after = cursor is null ? null : OrderCursor(cursor, validation);
        return validation.IsValid
            ? new OrderListQuery(byStatus, byChannel, customer, StartOf(first), last is { } day && day < DateOnly.MaxValue ? StartOf(day.AddDays(1)) : null, size, after)
            : null;
    }

    /// <summary>A page size between 1 and <paramref name="max"/>.</summary>
    public static int Limit(string? value, int fallback, int max, Validation validation)
    {
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= max)
        {
            return limit;
        }

        validation.Add("limit", $"'{value}' is not a whole number between 1 and {max}.");
        return fallback;
    }

    /// <summary>The opaque cursor of an order list position: base64url of version, placed time (ticks, UTC) and id.</summary>
    public static string OrderCursor(OrderListCursor cursor)
        => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{CursorVersion}:{cursor.PlacedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{cursor.Id}"));

    /// <summary>The opaque cursor of an inventory page: base64url of version and the last SKU.</summary>
    public static string SkuCursor(string sku) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{CursorVersion}:{sku}"));

    public static string? SkuCursor(string value, Validation validation)
    {
        var parts = Decode(value)?.Split(':', 2);
        if (parts is [CursorVersion, var sku] && Validation.IsIdentifier(sku))
        {
            return sku;
        }

        validation.Add("cursor", "is not a cursor this endpoint gave out.");
        return null;
    }

    private static OrderListCursor? OrderCursor(string value, Validation validation)
    {
        var parts = Decode(value)?.Split(':', 3);
        if (parts is [CursorVersion, var ticksText, var id]
            && long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && Validation.IsIdentifier(id))
        {
            return new OrderListCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        }

        validation.Add("cursor", "is not a cursor this endpoint gave out.");
        return null;
    }

    private static string? Decode(string value)
    {
        try
        {
            return value.Length is > 0 and <= 512 ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value)) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static DateOnly? Date(string field, string? value, Validation validation)
    {
        if (value is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        validation.Add(field, $"'{value}' is not a date as YYYY-MM-DD.");
        return null;
    }

    private static DateTimeOffset? StartOf(DateOnly? day) => day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;
}
