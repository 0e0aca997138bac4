using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Inference.Torch;

namespace Gateway.Api.Completions;

/// <summary>
/// vLLM's completions <c>prompt_embeds</c>: one prompt per item (a base64 string, or an array of them), each the bytes of
/// <c>torch.save(tensor)</c> of a float32, float16 or bfloat16 tensor [tokens, hidden_size] (or [1, tokens, hidden_size],
/// squeezed as vLLM squeezes it), read as data (the pickle is never run). Beside prompt, they are prompts of their own after
/// prompt's, as vLLM renders both. Whether the
/// engine takes them (--enable-prompt-embeds) and whether the rows fit the model is the scheduler's to say.
/// </summary>
public static class PromptEmbedsField
{
    public const string Name = "prompt_embeds";

    /// <summary>The prompts prompt_embeds holds; none when it is absent or null.</summary>
    /// <exception cref="ApiException">A 400 naming prompt_embeds: not base64, not a saved tensor, or not 2-D.</exception>
    public static IReadOnlyList<Prompt> Read(RequestFields fields)
    {
        if (fields.Raw(Name) is not { } value)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [Tensor(value, Name)];
        }

        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToArray() : null;
        if (items is not { Length: > 0 } || items.Length > CompletionRequest.MaxPrompts)
        {
            throw ApiException.BadRequest(
                $"{Name} must be a base64 string, or an array of 1 to {CompletionRequest.MaxPrompts} of them (one prompt each), got {RequestBody.Describe(value.ValueKind)}{(items is null ? "" : $" of {items.Length}")}.",
                Name);
        }

        return [.. items.Select((item, i) => Tensor(item, $"{Name}[{i}]"))];
    }

    private static EmbedsPrompt Tensor(JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest($"{path} must be a base64 string of torch.save(tensor), got {RequestBody.Describe(item.ValueKind)}.", Name);
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(item.GetString()!);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest($"{path} is not base64.", Name);
        }

        try
        {
            var tensor = TorchSaveFile.ReadTensor(bytes);
            return new EmbedsPrompt(tensor.Values, tensor.Rows());
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadRequest($"{path} is not a [tokens, hidden_size] tensor saved with torch.save: {e.Message}", Name);
        }
    }
}
