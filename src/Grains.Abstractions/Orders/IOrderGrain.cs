namespace OrderActors.Grains.Orders;

/// <summary>
/// One order through its lifecycle. Key: the order id. The order is the aggregate root of its shipments: every
/// shipment step goes through it (order → shipment → inventory), so calls never cycle.
/// </summary>
[Alias("OrderActors.Grains.Orders.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Places the order: reserves every line, authorizes payment, confirms, and creates one shipment per shipping
    /// location. Idempotent: the same command again returns the same outcome; a different command for an existing
    /// id is a conflict.
    /// </summary>
    [Alias("PlaceAsync")]
    [ResponseTimeout("00:00:30")] // a flash sale queues many callers on one SKU: legitimately longer than the default
    Task<PlaceOrderResult> PlaceAsync(PlaceOrder command);

    /// <summary>Returns the order, or null if no order was placed under this id.</summary>
    [Alias("GetAsync")]
    Task<OrderView?> GetAsync();

    /// <summary>Cancels what has not shipped: releases its stock, voids or refunds its payment, notifies the customer.</summary>
    [Alias("CancelAsync")]
    Task<OrderView> CancelAsync(CancelOrder command);

    /// <summary>
    /// Edits an order none of whose shipments has started (lines, address), or previews the edit. Confirmed, it resizes
    /// the reservations (all or nothing), authorizes a higher total (voiding the old authorization) or lowers what will
    /// be captured, re-plans the shipments, and records <c>order.edited</c>; a refused edit changes nothing.
    /// </summary>
    [Alias("EditAsync")]
    [ResponseTimeout("00:00:30")] // reservations queue behind a hot SKU's, as placement's do
    Task<OrderEditResult> EditAsync(EditOrder command);

    /// <summary>Runs a step of one of the order's shipments and updates the order (fulfilment, payment, notifications).</summary>
    [Alias("UpdateShipmentAsync")]
    Task<Shipments.ShipmentView> UpdateShipmentAsync(ShipmentCommand command);

    /// <summary>The customer notifications the order has produced, oldest first.</summary>
    [Alias("GetNotificationsAsync")]
    Task<IReadOnlyList<CustomerNotification>> GetNotificationsAsync();

    /// <summary>
    /// Opens a return of delivered units within the return window; refuses more units than were delivered less
    /// those already in returns and claims (open ones included). Authorized at once within the policy.
    /// </summary>
    [Alias("RequestReturnAsync")]
    Task<ReturnView> RequestReturnAsync(RequestReturn command);

    /// <summary>Authorizes (return label and instructions) or rejects a requested return.</summary>
    [Alias("DecideReturnAsync")]
    Task<ReturnView> DecideReturnAsync(DecideReturn command);

    /// <summary>Records a return parcel's receipt and inspection, then restocks, refunds or places the exchange.</summary>
    [Alias("ReceiveReturnAsync")]
    Task<ReturnView> ReceiveReturnAsync(ReceiveReturn command);

    /// <summary>Refunds units and/or shipping; all refunds together never exceed what was captured.</summary>
    [Alias("RefundAsync")]
    Task<RefundView> RefundAsync(RefundPayment command);

    /// <summary>Tries a refund the gateway declined again (a new gateway key); its return or claim is credited once it is approved.</summary>
    [Alias("RetryRefundAsync")]
    Task<RefundView> RetryRefundAsync(RetryRefund command);

    /// <summary>Opens a claim (missing, wrong or damaged units, a lost parcel).</summary>
    [Alias("OpenClaimAsync")]
    Task<ClaimView> OpenClaimAsync(OpenClaim command);

    /// <summary>Resolves an open claim by a refund or a replacement order at no charge.</summary>
    [Alias("ResolveClaimAsync")]
    Task<ClaimView> ResolveClaimAsync(ResolveClaim command);

    /// <summary>Records the customer's rating, once per order, after delivery; a low rating opens a support ticket.</summary>
    [Alias("GiveFeedbackAsync")]
    Task<FeedbackView> GiveFeedbackAsync(GiveFeedback command);

    /// <summary>Opens a support ticket on the order.</summary>
    [Alias("OpenTicketAsync")]
    Task<TicketView> OpenTicketAsync(OpenTicket command);

    /// <summary>Replies to, assigns or resolves one of the order's tickets.</summary>
    [Alias("UpdateTicketAsync")]
    Task<TicketView> UpdateTicketAsync(TicketCommand command);

    /// <summary>
    /// Asked by an inventory grain whose unconfirmed reservation for this order timed out: should it stay?
    /// Read-only and interleaving, so it answers even while a placement is in flight.
    /// </summary>
    [AlwaysInterleave]
    [Alias("VouchForReservationAsync")]
    Task<ReservationVerdict> VouchForReservationAsync(string sku);

    /// <summary>
    /// Asked by a discount code at its limit about a use this order took and did not confirm: does the order exist with
    /// that code? Read-only and interleaving, like <see cref="VouchForReservationAsync"/>.
    /// </summary>
    [AlwaysInterleave]
    [Alias("VouchForDiscountAsync")]
    Task<ReservationVerdict> VouchForDiscountAsync(string code);

    /// <summary>
    /// Asked by the order's customer grain while it lists the customer's orders: does the order exist, and how is it
    /// now (as last written)? Read-only and interleaving, like <see cref="VouchForReservationAsync"/>: the customer grain
    /// may ask while this order's placement waits on it.
    /// </summary>
    [AlwaysInterleave]
    [Alias("VouchForCustomerAsync")]
    Task<Customers.CustomerOrderVouch> VouchForCustomerAsync();

    /// <summary>
    /// Told (by the backorder allocator, from an <c>inventory.allocated</c> event) that stock was allocated to the
    /// order's backorders: claims the allocated units from its inventory grains and creates shipments for them. Safe to
    /// repeat: units already claimed are not claimed again, and an order with nothing backordered does nothing.
    /// </summary>
    [Alias("AllocateBackordersAsync")]
    Task AllocateBackordersAsync();
}

/// <summary>An order's answer about one of its reservations.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ReservationVerdict")]
public enum ReservationVerdict
{
    /// <summary>The order is confirmed: the reservation is permanent.</summary>
    Confirmed,

    /// <summary>The placement is still running: ask again later.</summary>
    Pending,

    /// <summary>The order does not need it (never placed, refused, crashed mid-placement): release it.</summary>
    Release,
}
