using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.EventLog.DataProtection;
using OrderActors.EventLog.Sql;

namespace OrderActors.EventLog.Hosting;

/// <summary>Persists the ASP.NET Core Data Protection key ring on the OrderActors database.</summary>
public static class DataProtectionBuilderExtensions
{
    /// <summary>
    /// Stores the key ring in the database's <c>orderactors_data_protection_keys</c> table (<see cref="SqlXmlRepository"/>),
    /// so every process on it shares one key ring. Give every process the same application name
    /// (<c>SetApplicationName</c>) too, or each one isolates its payloads from the others.
    /// </summary>
    /// <param name="builder">The Data Protection builder.</param>
    /// <param name="invariant">The ADO.NET invariant: <see cref="AdoNetInvariants.PostgreSql"/> or <see cref="AdoNetInvariants.Sqlite"/>.</param>
    /// <param name="connectionString">The database's connection string.</param>
    public static IDataProtectionBuilder PersistKeysToOrderActorsDatabase(this IDataProtectionBuilder builder, string invariant, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        AdoNetInvariants.DialectOf(invariant);
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = new SqlXmlRepository(invariant, connectionString, services.GetRequiredService<ILoggerFactory>())));
        return builder;
    }
}
