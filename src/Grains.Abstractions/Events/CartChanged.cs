using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Events;

/// <summary>
/// A cart changed (type <c>cart.created</c>, <c>cart.updated</c>, <c>cart.abandoned</c>, <c>cart.completed</c>), with what
/// reports need of it after the change.
/// </summary>
/// <param name="CartId">The cart.</param>
/// <param name="Type">What happened.</param>
/// <param name="At">When.</param>
/// <param name="Channel">Its sales channel.</param>
/// <param name="CustomerId">Its buyer, once known.</param>
/// <param name="Currency">Its currency.</param>
/// <param name="Units">Units over its lines.</param>
/// <param name="Subtotal">Its subtotal at catalog prices when it changed.</param>
/// <param name="OrderId">For <c>cart.completed</c>: the order placed.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.CartChanged")]
public sealed record CartChanged(
    string CartId, string Type, DateTimeOffset At, SalesChannel Channel, string? CustomerId, string Currency, int Units, decimal Subtotal, string? OrderId)
{
    /// <summary>The cart was created.</summary>
    public const string Created = "cart.created";

    /// <summary>Its lines, buyer, address, shipping method or discount code changed.</summary>
    public const string Updated = "cart.updated";

    /// <summary>It holds items and was not changed for the abandonment time.</summary>
    public const string Abandoned = "cart.abandoned";

    /// <summary>Its order was placed.</summary>
    public const string Completed = "cart.completed";
}
