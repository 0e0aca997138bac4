using Inference.Abstractions.Text;

namespace Inference.Abstractions.Generation;

/// <summary>What to complete: text, token ids, chat messages, or input embeddings.</summary>
public abstract record Prompt;

/// <param name="ParseSpecialTokens">Encode "&lt;|im_start|&gt;" and the like as control tokens, as Hugging Face does
/// (the OpenAI API's completions do; text from an untrusted source should not).</param>
public sealed record TextPrompt(string Text, bool ParseSpecialTokens = false, bool AddSpecialTokens = true) : Prompt;

public sealed record TokenIdsPrompt(IReadOnlyList<int> Ids) : Prompt;

/// <summary>Rendered with the model's chat template, then encoded with special tokens parsed.</summary>
public sealed record ChatPrompt(ChatTemplateInput Input) : Prompt;

/// <summary>
/// vLLM's prompt_embeds: the prompt as the model's input embeddings, <paramref name="Rows"/> rows of its hidden size
/// (row-major), read in place of looking tokens up. The engine needs --enable-prompt-embeds to take one.
/// </summary>
public sealed record EmbedsPrompt(float[] Values, int Rows) : Prompt;
