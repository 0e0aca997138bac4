using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Backends;

namespace Gateway.Api.Generation;

/// <summary>
/// vLLM's <c>stop_reason</c>: the stop string that matched, written as a string, or the stop token id that ended the
/// answer, written as a number (vLLM's <c>Union[int, str, None]</c>; a client comparing it with the id it sent in
/// <c>stop_token_ids</c> gets an int). The engine carries both as text; the finish reason tells them apart.
/// </summary>
[JsonConverter(typeof(StopReasonJsonConverter))]
public sealed record StopReason(string? Text, int? TokenId)
{
    /// <summary>The answer's stop_reason, or null when it stopped for no stop string or stop id (EOS, length, abort).</summary>
    public static StopReason? Of(FinishReason? finish, string? reason) => reason switch
    {
        null or "" => null,
        _ when finish == FinishReason.Stop && int.TryParse(reason, NumberStyles.None, CultureInfo.InvariantCulture, out var id) => new StopReason(null, id),
        _ => new StopReason(reason, null),
    };
}

/// <summary>Writes a <see cref="StopReason"/> as a JSON number (a token id) or string (a stop string).</summary>
public sealed class StopReasonJsonConverter : JsonConverter<StopReason>
{
    public override StopReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? new StopReason(null, reader.GetInt32()) : new StopReason(reader.GetString(), null);

    public override void Write(Utf8JsonWriter writer, StopReason value, JsonSerializerOptions options)
    {
        if (value.TokenId is { } id)
        {
            writer.WriteNumberValue(id);
        }
        else
        {
            writer.WriteStringValue(value.Text);
        }
    }
}
