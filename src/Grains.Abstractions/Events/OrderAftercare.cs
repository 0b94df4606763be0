using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Events;

/// <summary>The after-sales side of an order in an <see cref="OrderEvent"/>, so projections need no other source.</summary>
/// <param name="Returns">Returns that were not rejected.</param>
/// <param name="ReturnedUnits">Units in those returns.</param>
/// <param name="Rating">The customer's rating, once given.</param>
/// <param name="ReplacementFor">The order this one replaces units of, for a replacement order.</param>
/// <param name="Tickets">The order's support tickets.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Events.OrderAftercare")]
public sealed record OrderAftercare(int Returns, int ReturnedUnits, int? Rating, string? ReplacementFor, IReadOnlyList<TicketSummary> Tickets);

/// <summary>A support ticket in an <see cref="OrderAftercare"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.TicketSummary")]
public sealed record TicketSummary(string Id, string Subject, TicketStatus Status, TicketPriority Priority, string? AssignedTo, DateTimeOffset OpenedAt, DateTimeOffset LastMessageAt, int Messages);
