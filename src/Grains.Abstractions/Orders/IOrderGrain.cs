using OrderActors.Runtime;

namespace OrderActors.Grains.Orders;

/// <summary>One order through its lifecycle. Key: the order id.</summary>
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Places the order: reserves every line through the inventory grains, all or nothing. Idempotent: the same
    /// command again returns the same outcome; a different command for an existing id is a conflict.
    /// </summary>
    Task<PlaceOrderResult> PlaceAsync(PlaceOrder command);

    /// <summary>Returns the order, or null if no order was placed under this id.</summary>
    Task<OrderView?> GetAsync();
}
