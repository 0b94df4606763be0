namespace OrderActors.Tests.Infrastructure;

/// <summary>Request bodies of the API, as a client writes them.</summary>
public static class ApiBodies
{
    /// <summary><c>PUT /v1/inventory/{sku}</c>: on-hand at location "main", and substitutes.</summary>
    public static object Stock(int onHand, params string[] substitutes)
        => new { locations = new Dictionary<string, int> { ["main"] = onHand }, substitutes };

    /// <summary><c>PUT /v1/products/{sku}</c>: on sale at <paramref name="price"/> USD.</summary>
    public static object Product(string title, decimal price = 10m)
        => new { title, prices = new Dictionary<string, decimal> { ["USD"] = price } };

    /// <summary><c>POST /v1/orders</c> for a customer, one line per (SKU, quantity) at 10.00 a unit.</summary>
    public static object Order(string customerId, params (string Sku, int Quantity)[] lines)
        => new
        {
            customer = new { id = customerId, email = $"{customerId}@example.com" },
            lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, unitPrice = 10m }).ToArray(),
            shippingAddress = new { name = "Ana Buyer", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
            payment = new { method = "card", token = "tok_visa" },
        };
}
