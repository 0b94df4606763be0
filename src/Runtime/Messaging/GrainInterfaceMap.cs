using System.Collections.Concurrent;
using System.Reflection;

namespace OrderActors.Runtime.Messaging;

/// <summary>The methods of one grain interface (including inherited grain interfaces), by stable id.</summary>
internal sealed class GrainInterface
{
    private readonly Dictionary<MethodInfo, GrainMethod> _byMethod;

    public GrainInterface(Type interfaceType)
    {
        Type = interfaceType;
        var methods = new[] { interfaceType }
            .Concat(interfaceType.GetInterfaces())
            .Where(i => i != typeof(IGrain) && i != typeof(IGrainWithStringKey) && typeof(IGrain).IsAssignableFrom(i))
            .SelectMany(i => i.GetMethods().Select(m => (Interface: i, Method: m)))
            .OrderBy(m => Signature(m.Interface, m.Method), StringComparer.Ordinal)
            .ToArray();
        Methods = methods.Select((m, index) => GrainMethod.Create(m.Interface, m.Method, index)).ToArray();
        foreach (var method in Methods)
        {
            method.Owner = this;
        }

        _byMethod = Methods.ToDictionary(m => m.Method);
    }

    public Type Type { get; }

    public GrainMethod[] Methods { get; }

    public GrainMethod this[MethodInfo method] => _byMethod[method];

    private static string Signature(Type declaring, MethodInfo method)
        => $"{declaring.FullName}.{method.Name}({string.Join(",", method.GetParameters().Select(p => p.ParameterType.FullName))})";
}

/// <summary>Caches <see cref="GrainInterface"/> per interface type.</summary>
internal static class GrainInterfaces
{
    private static readonly ConcurrentDictionary<Type, GrainInterface> Cache = new();

    public static GrainInterface Get(Type interfaceType) => Cache.GetOrAdd(interfaceType, static t => new GrainInterface(t));
}
