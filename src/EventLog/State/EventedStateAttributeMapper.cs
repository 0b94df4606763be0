using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace OrderActors.EventLog.State;

/// <summary>Creates the <see cref="IEventedState{TState}"/> for a constructor parameter marked <see cref="EventedStateAttribute"/>.</summary>
internal sealed class EventedStateAttributeMapper : IAttributeToFactoryMapper<EventedStateAttribute>
{
    private static readonly MethodInfo CreateMethod = typeof(EventedStateAttributeMapper).GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!;

    public Factory<IGrainContext, object> GetFactory(ParameterInfo parameter, EventedStateAttribute metadata)
    {
        if (!parameter.ParameterType.IsGenericType || parameter.ParameterType.GetGenericTypeDefinition() != typeof(IEventedState<>))
        {
            throw new ArgumentException(
                $"Parameter '{parameter.Name}' of the constructor of '{parameter.Member.DeclaringType}' has type '{parameter.ParameterType}'; " +
                $"a parameter marked [EventedState] must be an {typeof(IEventedState<>).Name}.",
                parameter.Name);
        }

        var create = CreateMethod.MakeGenericMethod(parameter.ParameterType.GetGenericArguments());
        var storageName = string.IsNullOrWhiteSpace(metadata.StorageName) ? EventLogStorageNames.Default : metadata.StorageName;
        return context => create.Invoke(null, [context, metadata.StateName, storageName])!;
    }

    private static EventedState<TState> Create<TState>(IGrainContext context, string stateName, string storageName)
    {
        var storage = context.ActivationServices.GetKeyedService<EventedGrainStorage>(storageName)
            ?? throw new InvalidOperationException(
                $"No event-log storage named '{storageName}' is registered, which grain type {context.GrainId.Type} needs for its state '{stateName}': " +
                "call AddEventLogStorage on the silo builder.");
        return new EventedState<TState>(context, stateName, storage);
    }
}

/// <summary>Provider names the extensions use when none is given.</summary>
public static class EventLogStorageNames
{
    /// <summary>The storage an <see cref="EventedStateAttribute"/> without a storage name uses, as Orleans' default grain storage.</summary>
    public const string Default = "Default";
}
