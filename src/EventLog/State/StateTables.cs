using System.Collections.Concurrent;
using System.Reflection;

namespace OrderActors.EventLog.State;

/// <summary>
/// Finds the <see cref="StateTable{TValue}"/> properties of a state: on the state itself and on its properties' own
/// values one level down (a projection's model inside its <see cref="ProjectionState{TModel}"/>). Each is named by
/// its property path, e.g. <c>Model.Orders</c>, which is its <c>table_name</c> in storage.
/// </summary>
internal static class StateTables
{
    private static readonly ConcurrentDictionary<Type, Accessor[]> Accessors = new();

    /// <summary>Whether states of <paramref name="type"/> have tables.</summary>
    public static bool Declared(Type type) => Accessors.GetOrAdd(type, Find).Length > 0;

    /// <summary>The tables of <paramref name="state"/>, by path, with their paging; empty for a state without any.</summary>
    public static IReadOnlyList<(string Name, IStateTable Table, PagedStateTableAttribute? Paged)> Of(object? state)
    {
        if (state is null)
        {
            return [];
        }

        var accessors = Accessors.GetOrAdd(state.GetType(), Find);
        if (accessors.Length == 0)
        {
            return [];
        }

        var tables = new List<(string, IStateTable, PagedStateTableAttribute?)>(accessors.Length);
        foreach (var accessor in accessors)
        {
            if (accessor.Get(state) is { } table)
            {
                tables.Add((accessor.Name, table, accessor.Paged));
            }
        }

        return tables;
    }

    private static Accessor[] Find(Type type)
    {
        var found = new List<Accessor>();
        foreach (var property in Readable(type))
        {
            if (IsTable(property.PropertyType))
            {
                found.Add(new Accessor(property.Name, state => (IStateTable?)property.GetValue(state), property.GetCustomAttribute<PagedStateTableAttribute>()));
                continue;
            }

            if (property.PropertyType.IsClass && property.PropertyType != typeof(string))
            {
                foreach (var inner in Readable(property.PropertyType).Where(p => IsTable(p.PropertyType)))
                {
                    found.Add(new Accessor($"{property.Name}.{inner.Name}",
                        state => property.GetValue(state) is { } owner ? (IStateTable?)inner.GetValue(owner) : null, inner.GetCustomAttribute<PagedStateTableAttribute>()));
                }
            }
        }

        return [.. found];
    }

    private static IEnumerable<PropertyInfo> Readable(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is not null);

    private static bool IsTable(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(StateTable<>);

    private sealed record Accessor(string Name, Func<object, IStateTable?> Get, PagedStateTableAttribute? Paged);
}
