using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderActors.EventLog;

/// <summary>
/// A keyed part of a grain's state that the event-log storage keeps as one row per entry, so that a write costs what
/// changed since the last write instead of the whole state: read models of every order, every SKU, every ticket.
/// Declare it as a settable property of the state (or of a property of the state, e.g. a projection's model).
/// </summary>
/// <typeparam name="TValue">The entry's value, serialized with the silo's grain-storage serializer.</typeparam>
/// <remarks>
/// <para>The storage writes the state's head (everything but its tables) and the entries that changed, in one
/// transaction, under the head's ETag. An entry counts as changed when it is set, added or removed, and also when it
/// is handed out for change: by the indexer's getter, <see cref="TryGetValue"/> and <see cref="GetValueOrDefault"/>.
/// So mutating a value in place (<c>table[key].Count++</c>) is written like an assignment. Enumeration,
/// <see cref="Peek"/>, <see cref="ContainsKey"/> and <see cref="Count"/> read without marking.</para>
/// <para>A table the storage has not read or written yet (a new state, a rebuilt model) replaces every stored row of
/// its name at the next write.</para>
/// <para>In the state's own serialization a table is an empty JSON object: it needs a System.Text.Json grain-storage
/// serializer (Orleans' <c>SystemTextJsonGrainStorageSerializer</c>, as OrderActors configures).</para>
/// </remarks>
[JsonConverter(typeof(StateTableJsonConverterFactory))]
public sealed class StateTable<TValue> : IStateTable, IEnumerable<KeyValuePair<string, TValue>>
{
    private readonly Dictionary<string, TValue> _rows = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    /// <summary>The number of entries.</summary>
    public int Count => _rows.Count;

    /// <summary>The keys, without marking anything changed.</summary>
    public IEnumerable<string> Keys => _rows.Keys;

    /// <summary>The values, without marking anything changed; do not mutate them (use the indexer to change one).</summary>
    public IEnumerable<TValue> Values => _rows.Values;

    /// <summary>Gets an entry for change (marks it changed) or sets it.</summary>
    /// <param name="key">The entry's key.</param>
    public TValue this[string key]
    {
        get
        {
            var value = _rows[key];
            _changed.Add(key);
            return value;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _rows[key] = value;
            _changed.Add(key);
        }
    }

    /// <summary>Gets an entry for change: marks it changed when found.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value, if found.</param>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        if (!_rows.TryGetValue(key, out value))
        {
            return false;
        }

        _changed.Add(key);
        return true;
    }

    /// <summary>Gets an entry for change (marks it changed when found), or the default value.</summary>
    /// <param name="key">The entry's key.</param>
    public TValue? GetValueOrDefault(string key) => TryGetValue(key, out var value) ? value : default;

    /// <summary>Reads an entry without marking it changed: for queries, which must not mutate it.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value, if found.</param>
    public bool Peek(string key, [MaybeNullWhen(false)] out TValue value) => _rows.TryGetValue(key, out value);

    /// <summary>Whether an entry exists.</summary>
    /// <param name="key">The entry's key.</param>
    public bool ContainsKey(string key) => _rows.ContainsKey(key);

    /// <summary>Adds an entry; throws if the key exists.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">Its value.</param>
    public void Add(string key, TValue value)
    {
        _rows.Add(key, value);
        _changed.Add(key);
    }

    /// <summary>Removes an entry.</summary>
    /// <param name="key">The entry's key.</param>
    /// <returns>Whether it existed.</returns>
    public bool Remove(string key)
    {
        if (!_rows.Remove(key))
        {
            return false;
        }

        _changed.Add(key);
        return true;
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        _changed.UnionWith(_rows.Keys);
        _rows.Clear();
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => _rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    bool IStateTable.Stored { get; set; }

    int IStateTable.Changes => _changed.Count;

    IReadOnlyList<(string Key, BinaryData? Value)> IStateTable.TakeChanges(Orleans.Storage.IGrainStorageSerializer serializer, bool all)
    {
        var keys = all ? _rows.Keys.ToArray() : [.. _changed];
        var changes = new List<(string, BinaryData?)>(keys.Length);
        foreach (var key in keys)
        {
            changes.Add((key, _rows.TryGetValue(key, out var value) ? serializer.Serialize(value) : null));
        }

        return changes;
    }

    void IStateTable.Written(IEnumerable<string> keys) => _changed.ExceptWith(keys);

    void IStateTable.Load(string key, BinaryData value, Orleans.Storage.IGrainStorageSerializer serializer)
        => _rows[key] = serializer.Deserialize<TValue>(value)!;
}

/// <summary>What the event-log storage needs of a <see cref="StateTable{TValue}"/>, whatever its value type.</summary>
internal interface IStateTable
{
    /// <summary>Whether the storage read or wrote this instance: if not, its next write replaces every stored row.</summary>
    bool Stored { get; set; }

    /// <summary>How many entries changed since the last write.</summary>
    int Changes { get; }

    /// <summary>The changed entries (or all, for a replacing write), serialized; null is a removal.</summary>
    IReadOnlyList<(string Key, BinaryData? Value)> TakeChanges(Orleans.Storage.IGrainStorageSerializer serializer, bool all);

    /// <summary>Forgets the changes of keys a write committed (a change made while it ran stays).</summary>
    void Written(IEnumerable<string> keys);

    /// <summary>Adds a stored entry while the state is read.</summary>
    void Load(string key, BinaryData value, Orleans.Storage.IGrainStorageSerializer serializer);
}

/// <summary>Writes a <see cref="StateTable{TValue}"/> as an empty object in its state's JSON (its entries are rows of their own) and reads one as empty.</summary>
public sealed class StateTableJsonConverterFactory : JsonConverterFactory
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(StateTable<>);

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
        => (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class Converter<TValue> : JsonConverter<StateTable<TValue>>
    {
        public override StateTable<TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            reader.Skip();
            return new StateTable<TValue>();
        }

        public override void Write(Utf8JsonWriter writer, StateTable<TValue> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }
}
