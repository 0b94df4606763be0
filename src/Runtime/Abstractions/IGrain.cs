namespace OrderActors.Runtime;

/// <summary>Marker for every grain interface.</summary>
public interface IGrain;

/// <summary>A grain identified by a string key (an order id, a SKU, a shipment id).</summary>
/// <remarks>Every method of a grain interface returns <see cref="Task"/> or <see cref="Task{TResult}"/>;
/// arguments and results must round-trip through the runtime's JSON serializer.</remarks>
public interface IGrainWithStringKey : IGrain;

/// <summary>Creates references to grains. References are cheap; the grain activates on its first call.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrain"/> with key <paramref name="key"/>.</summary>
    /// <param name="key">The grain's primary key; must not be null or empty.</param>
    TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey;
}

/// <summary>A grain that receives durable reminders.</summary>
public interface IRemindable : IGrain
{
    /// <summary>Called when the reminder named <paramref name="reminderName"/> is due.</summary>
    Task ReceiveReminderAsync(string reminderName, TickStatus status);
}

/// <summary>What a reminder tick knows about its schedule.</summary>
/// <param name="FirstTickTime">When the reminder first became due.</param>
/// <param name="Period">The period between ticks.</param>
/// <param name="CurrentTickTime">When this tick fired.</param>
public sealed record TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);

/// <summary>A handle to a registered reminder.</summary>
/// <param name="Name">The reminder's name, unique per grain.</param>
/// <param name="DueTime">When it first fires.</param>
/// <param name="Period">The period between ticks.</param>
public sealed record GrainReminder(string Name, DateTimeOffset DueTime, TimeSpan Period);

/// <summary>Lets a grain interface method run while another request of the same activation is waiting.</summary>
/// <remarks>Use only for read-only methods that tolerate interleaving: the runtime still runs them on the
/// activation's single-threaded scheduler, but between the awaits of another request.</remarks>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>Names a grain class's type in grain ids (defaults to the class name without the "Grain" suffix, lower case).</summary>
/// <param name="name">The stable type name; it is stored in the database, so never change it once data exists.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The stable grain type name.</summary>
    public string Name { get; } = name;
}
