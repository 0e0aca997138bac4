using Inference.Abstractions.Text;
namespace Gateway.Backends;

/// <summary>The tokenizer service's API, in domain types.</summary>
public interface ITokenizerService
{
    /// <summary>Completes when the tokenizer service answers (a cheap call); fails with <c>RpcException</c> otherwise.</summary>
    Task PingAsync(DateTime? deadline, CancellationToken cancellationToken);

    /// <summary>How many ids the tokenizer knows (vocabulary plus added tokens): valid ids are 0 to this minus 1.</summary>
    Task<int> GetVocabSizeAsync(CancellationToken cancellationToken);

    /// <summary>Whether the chat template is the operator's (--chat-template) in place of the model's: vLLM's score template.</summary>
    Task<bool> IsChatTemplateOverriddenAsync(CancellationToken cancellationToken);

    /// <summary>Text to ids, parsing special-token text the way Hugging Face does.</summary>
    Task<IReadOnlyList<int>> EncodeAsync(string text, bool addSpecialTokens, CancellationToken cancellationToken);

    /// <summary>Ids to text.</summary>
    Task<string> DecodeAsync(IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken);

    /// <summary>The text of each id decoded alone, in one call: result[i] belongs to ids[i].</summary>
    Task<IReadOnlyList<string>> DecodeEachAsync(IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken);

    /// <summary>Each id's token as Hugging Face's convert_ids_to_tokens spells it: result[i] belongs to ids[i].</summary>
    Task<IReadOnlyList<string>> ConvertIdsToTokensAsync(IReadOnlyList<int> ids, CancellationToken cancellationToken);

    /// <summary>Renders the model's chat template and returns the prompt's ids.</summary>
    Task<IReadOnlyList<int>> ApplyChatTemplateAsync(ChatTemplateInput chat, CancellationToken cancellationToken);
}
