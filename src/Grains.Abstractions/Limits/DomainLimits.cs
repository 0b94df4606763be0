namespace OrderActors.Grains;

/// <summary>
/// What fits: the declared bounds of quantities, money, stock sums, times and texts. The API validates requests
/// against them (a value outside is a 422 naming the field) and the domain checks them again before it changes
/// anything, with checked arithmetic, so a sum that cannot be represented is refused instead of overflowing.
/// </summary>
public static class DomainLimits
{
    /// <summary>Units on hand at one location of a SKU.</summary>
    public const int MaxOnHandPerLocation = 1_000_000_000;

    /// <summary>Units on hand of a SKU over all its locations, restocked returns included; fits an <see cref="int"/>.</summary>
    public const int MaxOnHandPerSku = 2_000_000_000;

    /// <summary>Units of a SKU waiting in its backorder queue over all orders; fits an <see cref="int"/>.</summary>
    public const int MaxBackorderedPerSku = 2_000_000_000;

    /// <summary>Locations one SKU is stocked at.</summary>
    public const int MaxLocationsPerSku = 100;

    /// <summary>Transfers of one SKU in transit at once.</summary>
    public const int MaxOpenTransfersPerSku = 100;

    /// <summary>Substitutes one SKU names.</summary>
    public const int MaxSubstitutes = 20;

    /// <summary>Lines of one order.</summary>
    public const int MaxOrderLines = 100;

    /// <summary>Units of one order line.</summary>
    public const int MaxLineQuantity = 100_000;

    /// <summary>The largest unit price, in the order's currency.</summary>
    public const decimal MaxUnitPrice = 1_000_000_000m;

    /// <summary>The largest total a buyer can be shown (an <c>expectedTotal</c>): every line at the largest price and quantity.</summary>
    public const decimal MaxOrderTotal = MaxUnitPrice * MaxLineQuantity * MaxOrderLines;

    /// <summary>Most currencies one catalog entry is priced in.</summary>
    public const int MaxPricesPerProduct = 50;

    /// <summary>Heaviest unit weight a catalog entry may declare, in grams (a tonne).</summary>
    public const int MaxWeightGrams = 1_000_000;

    /// <summary>Identifiers (SKUs, locations, ids in paths): letters, digits, '.', '_' or '-'.</summary>
    public const int MaxIdentifierLength = 100;

    /// <summary>Customer ids, names, assignees, carrier details.</summary>
    public const int MaxNameLength = 200;

    /// <summary>An e-mail address (RFC 5321's path limit).</summary>
    public const int MaxEmailLength = 254;

    /// <summary>One line of a postal address, a city or a region.</summary>
    public const int MaxAddressLineLength = 200;

    /// <summary>A postal code.</summary>
    public const int MaxPostalCodeLength = 20;

    /// <summary>A payment token.</summary>
    public const int MaxTokenLength = 200;

    /// <summary>Reasons, notes, comments, subjects, tracking details.</summary>
    public const int MaxTextLength = 500;

    /// <summary>Ticket messages and feedback comments.</summary>
    public const int MaxMessageLength = 4000;

    /// <summary>How far ahead of the server's clock a carrier's tracking time may be (clocks drift).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The sum of <paramref name="values"/>, refused with <paramref name="error"/> once it passes <paramref name="max"/> or overflows.</summary>
    /// <exception cref="DomainException">The sum is larger than <paramref name="max"/>.</exception>
    public static int Sum(IEnumerable<int> values, int max, Func<DomainException> error)
    {
        var sum = 0L;
        foreach (var value in values)
        {
            sum = checked(sum + value);
            if (sum > max)
            {
                throw error();
            }
        }

        return (int)sum;
    }
}
