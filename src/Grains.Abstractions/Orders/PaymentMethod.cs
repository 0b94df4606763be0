namespace OrderActors.Grains.Orders;

/// <summary>
/// The payment methods an order may name (<c>payment.method</c>, snake_case in the API). The order keeps the
/// method as the API wrote it; this list is what the API accepts.
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.PaymentMethod")]
public enum PaymentMethod
{
    /// <summary>A card, through a gateway token.</summary>
    Card,

    /// <summary>A digital wallet (Apple Pay, Google Pay, PayPal), through a gateway token.</summary>
    Wallet,

    /// <summary>A bank transfer or direct debit, through a gateway token.</summary>
    BankTransfer,

    /// <summary>A gift card, through a gateway token.</summary>
    GiftCard,

    /// <summary>Paid to the carrier on delivery; needs no token.</summary>
    CashOnDelivery,

    /// <summary>Paid against an invoice; needs no token.</summary>
    Invoice,
}
