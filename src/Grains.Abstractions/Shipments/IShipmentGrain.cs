namespace OrderActors.Grains.Shipments;

/// <summary>
/// The part of an order that leaves from one location. Key: the shipment id. Only its order calls the changing
/// methods; readers may call <see cref="GetAsync"/>.
/// </summary>
[Alias("OrderActors.Grains.Shipments.IShipmentGrain")]
public interface IShipmentGrain : IGrainWithStringKey
{
    /// <summary>Creates the shipment and queues it for picking; does nothing if it exists.</summary>
    [Alias("CreateAsync")]
    Task<ShipmentView> CreateAsync(CreateShipment command);

    /// <summary>Returns the shipment, or null if there is none under this id.</summary>
    [Alias("GetAsync")]
    Task<ShipmentView?> GetAsync();

    /// <summary>Picks, packs, ships or records a tracking event; refuses what the current status does not allow.</summary>
    [Alias("ApplyAsync")]
    Task<ShipmentView> ApplyAsync(ShipmentStep step);

    /// <summary>The shipping label, or null before the shipment shipped.</summary>
    [Alias("GetLabelAsync")]
    Task<ShipmentLabelView?> GetLabelAsync();

    /// <summary>
    /// Changes the units and address of a shipment still waiting to be picked; refuses (<c>invalid-transition</c>) once
    /// picking started. Naming the result, not the change, it is idempotent.
    /// </summary>
    [Alias("ReplanAsync")]
    Task<ShipmentView> ReplanAsync(ReplanShipment command);

    /// <summary>Cancels the shipment if it has not shipped (releasing its stock); refuses otherwise.</summary>
    [Alias("CancelAsync")]
    Task<ShipmentView> CancelAsync(string reason, Orders.Actor actor);
}
