namespace Gateway.Api.Embeddings;

/// <summary>
/// Where in a request an embedded prompt came from, so a refusal of it names what the client sent: the field
/// (<c>input</c>, <c>text_2</c>, <c>documents</c>) and, when that field lists several prompts, the item
/// (<c>documents[3]</c>), which leads the message.
/// </summary>
/// <param name="Field">The request field the 400's <c>param</c> names.</param>
/// <param name="Item">The item the 400's message starts with, or null when the field holds one prompt.</param>
public sealed record PromptOrigin(string Field, string? Item)
{
    /// <summary>Item <paramref name="index"/> of a field holding <paramref name="count"/> prompts (a string counts as one).</summary>
    public static PromptOrigin Of(string field, int index, int count) => new(field, count > 1 ? $"{field}[{index}]" : null);
}
