using OrderActors.Runtime;

namespace OrderActors.Grains.Orders;

/// <summary>
/// One order through its lifecycle. Key: the order id. The order is the aggregate root of its shipments: every
/// shipment step goes through it (order → shipment → inventory), so calls never cycle.
/// </summary>
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Places the order: reserves every line, authorizes payment, confirms, and creates one shipment per shipping
    /// location. Idempotent: the same command again returns the same outcome; a different command for an existing
    /// id is a conflict.
    /// </summary>
    Task<PlaceOrderResult> PlaceAsync(PlaceOrder command);

    /// <summary>Returns the order, or null if no order was placed under this id.</summary>
    Task<OrderView?> GetAsync();

    /// <summary>Cancels what has not shipped: releases its stock, voids or refunds its payment, notifies the customer.</summary>
    Task<OrderView> CancelAsync(CancelOrder command);

    /// <summary>Runs a step of one of the order's shipments and updates the order (fulfilment, payment, notifications).</summary>
    Task<Shipments.ShipmentView> UpdateShipmentAsync(ShipmentCommand command);

    /// <summary>The customer notifications the order has produced, oldest first.</summary>
    Task<IReadOnlyList<CustomerNotification>> GetNotificationsAsync();

    /// <summary>
    /// Asked by an inventory grain whose unconfirmed reservation for this order timed out: should it stay?
    /// Read-only and interleaving, so it answers even while a placement is in flight.
    /// </summary>
    [AlwaysInterleave]
    Task<ReservationVerdict> VouchForReservationAsync(string sku);
}

/// <summary>An order's answer about one of its reservations.</summary>
public enum ReservationVerdict
{
    /// <summary>The order is confirmed: the reservation is permanent.</summary>
    Confirmed,

    /// <summary>The placement is still running: ask again later.</summary>
    Pending,

    /// <summary>The order does not need it (never placed, refused, crashed mid-placement): release it.</summary>
    Release,
}
