namespace Gateway.Backends;

/// <summary>What the model continues: text, token ids, or chat messages rendered by the model's template.</summary>
public abstract record PromptInput;

/// <summary>Plain text; special-token text such as <c>&lt;|im_start|&gt;</c> is parsed as control tokens, as Hugging Face does.</summary>
public sealed record TextPrompt(string Text) : PromptInput;

/// <summary>A pre-tokenized prompt.</summary>
public sealed record TokenPrompt(IReadOnlyList<int> Ids) : PromptInput;

/// <summary>OpenAI chat messages, kept as the client's JSON so the template sees every field.</summary>
/// <param name="MessagesJson">JSON array of messages.</param>
/// <param name="ToolsJson">JSON array of tool definitions, or null.</param>
/// <param name="AddGenerationPrompt">Append the assistant turn opener.</param>
/// <param name="TemplateKwargsJson">JSON object of extra template variables, or null.</param>
public sealed record ChatMessagesPrompt(
    string MessagesJson,
    string? ToolsJson,
    bool AddGenerationPrompt,
    string? TemplateKwargsJson) : PromptInput;
