using System.Globalization;
using System.Text;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// Writes CSV as RFC 4180 says: CRLF line ends, a field with a comma, quote, CR or LF in double quotes with its
/// quotes doubled; numbers and times in the invariant culture.
/// </summary>
internal static class Csv
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly char[] NeedsQuotes = [',', '"', '\r', '\n'];
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>Appends one record.</summary>
    public static void Row(StringBuilder csv, params string[] fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            var field = fields[i];
            csv.Append(field.IndexOfAny(NeedsQuotes) >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field);
        }

        csv.Append("\r\n");
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Money(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Free text a client chose (a customer id): a leading <c>= + - @</c>, tab or CR gets a <c>'</c> before it, so a
    /// spreadsheet does not run it as a formula (OWASP's CSV injection advice).
    /// </summary>
    public static string Text(string value) => value.Length > 0 && Array.IndexOf(FormulaStarts, value[0]) >= 0 ? "'" + value : value;
}
