namespace OrderActors.Grains.Shipments;

/// <summary>
/// The time of a carrier's tracking event: never before what the shipment and its order already recorded (so every
/// timeline stays in order and a delivery cannot close the return window before it opened), never further ahead of
/// the server's clock than <see cref="DomainLimits.ClockSkew"/> (so a delivery dated 9999-12-31 cannot push the
/// window past the calendar). Without a time the event happened now.
/// </summary>
public static class TrackingTime
{
    /// <summary>The event's time, or the refusal of <c>at</c>.</summary>
    /// <param name="at">The carrier's time, or null for now.</param>
    /// <param name="notBefore">The latest time already recorded.</param>
    /// <param name="what">What <paramref name="notBefore"/> is, for the message.</param>
    /// <param name="now">The server's clock.</param>
    /// <exception cref="DomainException">422 <c>validation-failed</c> on the field <c>at</c>.</exception>
    public static DateTimeOffset Validate(DateTimeOffset? at, DateTimeOffset notBefore, string what, DateTimeOffset now)
    {
        if (at is not { } time)
        {
            return now;
        }

        if (time > now + DomainLimits.ClockSkew)
        {
            throw DomainException.InvalidField("at", $"{time:O} is in the future; a tracking event is at most {DomainLimits.ClockSkew.TotalMinutes:0} minutes ahead of {now:O}.");
        }

        if (time < notBefore)
        {
            throw DomainException.InvalidField("at", $"{time:O} is before {what} ({notBefore:O}); tracking events arrive in order.");
        }

        return time;
    }
}
