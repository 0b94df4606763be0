using System.Reflection;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Runtime.Activation;

/// <summary>How to build activations of one grain class.</summary>
internal sealed class GrainClass
{
    public GrainClass(Type classType, string typeName)
    {
        ClassType = classType;
        TypeName = typeName;
        var constructor = classType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        States = constructor.GetParameters()
            .Select(p => (Parameter: p, Attribute: p.GetCustomAttribute<PersistentStateAttribute>()))
            .Where(p => p.Attribute is not null)
            .Select(p => new StateParameter(p.Attribute!.StateName, p.Attribute.StorageName, StateType(classType, p.Parameter)))
            .ToArray();
        var duplicate = States.GroupBy(s => s.StateName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Grain class {classType.Name} declares the persistent state '{duplicate.Key}' twice.");
        }

        Factory = ActivatorUtilities.CreateFactory(classType, States.Select(s => typeof(IPersistentState<>).MakeGenericType(s.StateType)).ToArray());
    }

    public Type ClassType { get; }

    public string TypeName { get; }

    public StateParameter[] States { get; }

    public ObjectFactory Factory { get; }

    private static Type StateType(Type classType, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
        {
            throw new InvalidOperationException(
                $"Parameter '{parameter.Name}' of {classType.Name} has [PersistentState] but is not IPersistentState<T>.");
        }

        return type.GetGenericArguments()[0];
    }
}

/// <summary>A <c>[PersistentState]</c> constructor parameter, with a precompiled factory for its state object.</summary>
internal sealed record StateParameter(string StateName, string? StorageName, Type StateType)
{
    public Func<ActivationData, IGrainStorage, GrainSerializer, IActivationState> Create { get; } = CompileFactory(StateType, StateName);

    private static Func<ActivationData, IGrainStorage, GrainSerializer, IActivationState> CompileFactory(Type stateType, string stateName)
    {
        var create = typeof(StateParameter).GetMethod(nameof(CreateState), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(stateType)
            .CreateDelegate<Func<ActivationData, IGrainStorage, GrainSerializer, string, IActivationState>>();
        return (activation, storage, serializer) => create(activation, storage, serializer, stateName);
    }

    private static IActivationState CreateState<TState>(ActivationData activation, IGrainStorage storage, GrainSerializer serializer, string stateName)
        => new PersistentState<TState>(activation, stateName, storage, serializer);
}

/// <summary>Maps grain interfaces to grain classes and grain type names, from the assemblies the silo was given.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainClass> _byInterface = [];
    private readonly Dictionary<string, GrainClass> _byTypeName = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<Assembly> assemblies)
    {
        foreach (var type in assemblies.Distinct().SelectMany(a => a.GetTypes()))
        {
            if (!type.IsClass || type.IsAbstract || !typeof(Grain).IsAssignableFrom(type))
            {
                continue;
            }

            var name = type.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(type);
            var grainClass = new GrainClass(type, name);
            if (!_byTypeName.TryAdd(name, grainClass))
            {
                throw new InvalidOperationException(
                    $"Grain classes {_byTypeName[name].ClassType.Name} and {type.Name} share the grain type name '{name}'.");
            }

            foreach (var grainInterface in type.GetInterfaces().Where(IsGrainInterface))
            {
                if (!_byInterface.TryAdd(grainInterface, grainClass))
                {
                    throw new InvalidOperationException(
                        $"Grain interface {grainInterface.Name} is implemented by both {_byInterface[grainInterface].ClassType.Name} and {type.Name}.");
                }
            }
        }
    }

    public IEnumerable<Type> Interfaces => _byInterface.Keys;

    public IEnumerable<GrainClass> Classes => _byTypeName.Values;

    public string GetGrainTypeName(Type grainInterface)
        => _byInterface.TryGetValue(grainInterface, out var grainClass)
            ? grainClass.TypeName
            : throw new InvalidOperationException($"No grain class implements {grainInterface.Name}; was its assembly added to the silo?");

    public GrainClass GetClass(string typeName)
        => _byTypeName.TryGetValue(typeName, out var grainClass)
            ? grainClass
            : throw new InvalidOperationException($"Unknown grain type '{typeName}'.");

    // Runtime-level interfaces that many grain classes implement are addressed by grain id, not mapped to one class.
    private static bool IsGrainInterface(Type type)
        => type != typeof(IGrain) && type != typeof(IGrainWithStringKey) && type != typeof(IRemindable) && type != typeof(IStreamConsumer) && type != typeof(IStreamSubscriber)
            && typeof(IGrain).IsAssignableFrom(type);

    private static string DefaultTypeName(Type type)
    {
        var name = type.Name.EndsWith("Grain", StringComparison.Ordinal) && type.Name.Length > 5 ? type.Name[..^5] : type.Name;
        return name.ToLowerInvariant();
    }
}
