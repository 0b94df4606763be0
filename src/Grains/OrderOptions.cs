using Microsoft.Extensions.Options;

namespace OrderActors.Grains;

/// <summary>How stock for an order is spread over locations.</summary>
public enum AllocationStrategy
{
    /// <summary>Locations in the order ops listed them (their priority), filling each before the next.</summary>
    LocationPriority,

    /// <summary>The location with the most available units first, so orders split over fewer shipments.</summary>
    MostStockFirst,
}

/// <summary>Order-handling options (configuration section <c>OrderActors:Orders</c>).</summary>
public sealed class OrderOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Orders";

    /// <summary>An unconfirmed reservation is released after this long (a crashed placement never leaks stock). Default 15 minutes.</summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How stock is allocated over locations. Default <see cref="AllocationStrategy.LocationPriority"/>.</summary>
    public AllocationStrategy AllocationStrategy { get; set; } = AllocationStrategy.LocationPriority;

    /// <summary>Business days promised for delivery of a standard order. Default 5.</summary>
    public int StandardDeliveryDays { get; set; } = 5;

    /// <summary>Business days promised for delivery of an express order. Default 2.</summary>
    public int ExpressDeliveryDays { get; set; } = 2;

    /// <summary>Business days promised for delivery of a VIP order. Default 1.</summary>
    public int VipDeliveryDays { get; set; } = 1;

    /// <summary>How often a payment call is tried when the gateway fails transiently. Default 3.</summary>
    public int PaymentAttempts { get; set; } = 3;

    /// <summary>Delay before the second attempt; it doubles for each further one. Default 200 ms.</summary>
    public TimeSpan PaymentRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}

internal sealed class OrderOptionsValidator : IValidateOptions<OrderOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderOptions options)
    {
        var errors = new List<string>();
        if (options.ReservationTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add($"OrderActors:Orders:ReservationTimeout is {options.ReservationTimeout}; it must be at least 1 second.");
        }

        foreach (var (days, key) in new[] { (options.StandardDeliveryDays, "StandardDeliveryDays"), (options.ExpressDeliveryDays, "ExpressDeliveryDays"), (options.VipDeliveryDays, "VipDeliveryDays") })
        {
            if (days is < 1 or > 60)
            {
                errors.Add($"OrderActors:Orders:{key} is {days}; it must be between 1 and 60.");
            }
        }

        if (options.PaymentAttempts is < 1 or > 10)
        {
            errors.Add($"OrderActors:Orders:PaymentAttempts is {options.PaymentAttempts}; it must be between 1 and 10.");
        }

        if (!Enum.IsDefined(options.AllocationStrategy))
        {
            errors.Add($"OrderActors:Orders:AllocationStrategy is '{options.AllocationStrategy}'; use LocationPriority or MostStockFirst.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
