namespace Inference.Abstractions.Text;

/// <summary>
/// The kinds of content part a chat message may hold, as vLLM's chat parsing knows them: the text-like parts, whose text
/// goes into the prompt (text, input_text and output_text through their <c>text</c> field, refusal and thinking through
/// the field of their own name), and the media parts, which only a multimodal model takes. The gateway checks requests
/// against it (a 400 naming the part) and the tokenizer builds the conversation from it, so both agree on one list.
/// </summary>
public static class ChatContentParts
{
    private static readonly Dictionary<string, string> TextFields = new(StringComparer.Ordinal)
    {
        ["text"] = "text",
        ["input_text"] = "text",
        ["output_text"] = "text",
        ["refusal"] = "refusal",
        ["thinking"] = "thinking",
    };

    private static readonly HashSet<string> MediaTypes = new(StringComparer.Ordinal)
    {
        "image_url", "input_image", "image_embeds", "image_pil", "audio_url", "input_audio", "audio_embeds", "video_url", "file",
    };

    /// <summary>The text-like part types, in the order error messages list them.</summary>
    public static IReadOnlyCollection<string> TextTypes => TextFields.Keys;

    /// <summary>The field that holds a text-like part's text (<c>text</c>, <c>refusal</c> or <c>thinking</c>); false for any other type.</summary>
    public static bool TryGetTextField(string type, out string field) => TextFields.TryGetValue(type, out field!);

    /// <summary>An image, audio, video or file part: input only a multimodal model takes.</summary>
    public static bool IsMedia(string type) => MediaTypes.Contains(type);

    /// <summary>The error for a media part sent to a text-only model, naming the part.</summary>
    public static string MediaNotSupported(string path, string type) =>
        $"{path} is a part of type {type}, but the served model takes text only: send text parts.";

    /// <summary>The error for a part of no known type, naming the part.</summary>
    public static string UnknownType(string path, string type) =>
        $"{path}.type '{type}' is not a content part type; text parts are one of {string.Join(", ", TextTypes)}.";
}
