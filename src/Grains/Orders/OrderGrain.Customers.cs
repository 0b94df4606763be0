using Microsoft.Extensions.Logging;
using OrderActors.Grains.Customers;

namespace OrderActors.Grains.Orders;

/// <summary>
/// The order in its customer's list (<see cref="ICustomerGrain"/>): registered as tentative while it is placed, before
/// it is written; confirmed once written; forgotten when refused; and vouched for when the customer grain lists it.
/// </summary>
public sealed partial class OrderGrain
{
    // The order as storage holds it, or null while nothing readable is written: what the customer's list shows. Taken at
    // activation and after every write, so a vouch (which interleaves) never shows a change whose write is still running
    // or failed.
    private CustomerOrderSummary? _written;

    // This placement's registration with the customer, from once the stock is reserved until it is confirmed or forgotten.
    private Task? _customerRegistration;

    // Only takes the snapshot of what was read: repairs wait for the first request (see SettleAsync).
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _written = WrittenSummary();
        return Task.CompletedTask;
    }

    public Task<CustomerOrderVouch> VouchForCustomerAsync()
        => Task.FromResult(
            _written is { } order ? new CustomerOrderVouch(ReservationVerdict.Confirmed, order)
            : _placementInFlight || _writeFailed ? new CustomerOrderVouch(ReservationVerdict.Pending, null) // not written yet, or a write whose outcome is unknown
            : new CustomerOrderVouch(ReservationVerdict.Release, null));

    private ICustomerGrain CustomerOf(PlaceOrder command) => GrainFactory.GetGrain<ICustomerGrain>(command.Customer.Id);

    // Started once the stock is reserved, so the customer's write runs while the placement prices shipping and tax and
    // authorizes the payment; refusals before that (out of stock, unknown SKUs) cost the customer nothing.
    private void StartCustomerRegistration(PlaceOrder command)
        => _customerRegistration = CustomerOf(command).RegisterAsync(new CustomerOrderRef(Id, State.PlacedAt));

    // Awaited before the order's write: an order may exist only once its customer has it.
    private Task CustomerRegisteredAsync() => _customerRegistration ?? Task.CompletedTask;

    private async Task ConfirmWithCustomerAsync(PlaceOrder command)
    {
        _customerRegistration = null;
        try
        {
            await CustomerOf(command).ConfirmAsync(new CustomerOrderRef(Id, State.PlacedAt));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The entry stays tentative; the customer's list asks this order, which vouches for it.
        }
    }

    // A refused placement takes its order off the customer's list; an entry left behind is dropped when the list asks this order.
    private async Task ForgetWithCustomerAsync(PlaceOrder command)
    {
        if (_customerRegistration is not { } registration)
        {
            return;
        }

        _customerRegistration = null;
        try
        {
            await registration; // so the forget arrives after it
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Forgotten all the same: it may have landed.
        }

        try
        {
            await CustomerOf(command).ForgetAsync(Id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Order {OrderId} could not be taken off customer {CustomerId}'s list; the list drops it when it asks the order.", Id, command.Customer.Id);
        }
    }

    private CustomerOrderSummary? WrittenSummary()
        => IsVisible && State.Request is { } request
            ? new CustomerOrderSummary(Id, State.Status, Fulfillment(), State.PlacedAt, request.Channel, request.Currency,
                State.Charges?.Total ?? Subtotal(request), State.Lines.Sum(l => l.Quantity))
            : null;
}
