using System.Text;
using System.Text.Json;

namespace Inference.Grammar.Sources.Json;

/// <summary>
/// The one spelling the grammar allows for a fixed JSON value (a property name, an enum or const value): compact,
/// strings with only the escapes JSON requires (quote, backslash, controls), other characters as UTF-8.
/// </summary>
internal static class JsonLiteral
{
    public static string Of(JsonElement value)
    {
        var text = new StringBuilder();
        Write(value, text);
        return text.ToString();
    }

    public static string OfString(string value)
    {
        var text = new StringBuilder();
        WriteString(value, text);
        return text.ToString();
    }

    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(value.GetString()!, text);
                break;
            case JsonValueKind.Array:
                text.Append('[');
                int i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(i++ > 0 ? "," : "");
                    Write(item, text);
                }
                text.Append(']');
                break;
            case JsonValueKind.Object:
                text.Append('{');
                int j = 0;
                foreach (var property in value.EnumerateObject())
                {
                    text.Append(j++ > 0 ? "," : "");
                    WriteString(property.Name, text);
                    text.Append(':');
                    Write(property.Value, text);
                }
                text.Append('}');
                break;
            default:
                text.Append(value.GetRawText());
                break;
        }
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool loneSurrogate = char.IsSurrogate(c) &&
                !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]));
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || loneSurrogate)
                    {
                        text.Append($"\\u{(int)c:x4}");
                    }
                    else
                    {
                        text.Append(c);
                    }
                    break;
            }
        }
        text.Append('"');
    }
}
