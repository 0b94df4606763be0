using System.Text;

namespace OrderActors.Grains.Shipping;

/// <summary>
/// Renders a 4×6 inch, 203 dpi shipping label in ZPL II: carrier and service, the address lines, and the tracking
/// number as text and as a Code 128 barcode.
/// </summary>
/// <remarks>
/// Text fields use <c>^FH</c> so that <c>^</c> and <c>~</c> in an address, which a printer would read as the
/// start of a command, are written as hex escapes (<c>_5E</c>, <c>_7E</c>); <c>_</c> itself is escaped because it
/// is the escape character. Control characters are replaced by spaces so an address cannot add lines.
/// </remarks>
public static class ZplLabel
{
    /// <summary>The <see cref="ShippingLabel.LabelFormat"/> of these labels.</summary>
    public const string Format = "zpl";

    /// <summary>Renders a label document; <paramref name="sender"/>, when known, is printed as the return address.</summary>
    public static string Render(string carrier, string service, string trackingNumber, ShippingAddressLabel address, ShippingAddressLabel? sender = null)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(trackingNumber);
        ArgumentNullException.ThrowIfNull(address);

        var zpl = new StringBuilder();
        zpl.Append("^XA\n");
        zpl.Append("^CI28\n"); // Field data is UTF-8, so non-ASCII names print.
        zpl.Append("^PW812\n^LL1218\n");
        Text(zpl, 40, 40, 50, $"{carrier.ToUpperInvariant()} / {service.ToUpperInvariant()}");
        zpl.Append("^FO40,110^GB732,4,4^FS\n");
        var y = 140;
        if (sender is not null)
        {
            Text(zpl, 40, y, 25, "FROM:");
            y += 35;
            foreach (var line in Lines(sender))
            {
                Text(zpl, 40, y, 25, line);
                y += 32;
            }

            zpl.Append("^FO40,").Append(y + 5).Append("^GB732,2,2^FS\n");
            y += 30;
        }

        Text(zpl, 40, y, 30, "SHIP TO:");
        y += 50;
        foreach (var line in Lines(address))
        {
            Text(zpl, 40, y, 40, line);
            y += 55;
        }

        zpl.Append("^FO40,").Append(y + 20).Append("^GB732,4,4^FS\n");
        Text(zpl, 40, y + 50, 35, "TRACKING: " + trackingNumber);
        zpl.Append("^FO80,").Append(y + 110).Append("^BY3^BCN,160,N,N,N^FD").Append(trackingNumber).Append("^FS\n");
        zpl.Append("^XZ\n");
        return zpl.ToString();
    }

    // The printed lines of an address: name, street lines, city with region and postal code, country.
    private static List<string> Lines(ShippingAddressLabel address)
    {
        var lines = new List<string> { address.Name, address.Line1 };
        if (!string.IsNullOrWhiteSpace(address.Line2))
        {
            lines.Add(address.Line2);
        }

        var region = string.IsNullOrWhiteSpace(address.Region) ? string.Empty : " " + address.Region;
        lines.Add($"{address.City}{region} {address.PostalCode}");
        lines.Add(address.Country);
        return lines;
    }

    /// <summary>Field data safe inside <c>^FH^FD…^FS</c>: command prefixes and the escape character hex-escaped.</summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '^':
                    escaped.Append("_5E");
                    break;
                case '~':
                    escaped.Append("_7E");
                    break;
                case '_':
                    escaped.Append("_5F");
                    break;
                default:
                    escaped.Append(char.IsControl(c) ? ' ' : c);
                    break;
            }
        }

        return escaped.ToString();
    }

    private static void Text(StringBuilder zpl, int x, int y, int height, string text) =>
        zpl.Append("^FO").Append(x).Append(',').Append(y)
            .Append("^A0N,").Append(height).Append(',').Append(height)
            .Append("^FH^FD").Append(Escape(text)).Append("^FS\n");
}
