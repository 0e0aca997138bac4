using Tokenizer.Core.Loading;
using System.Text.Encodings.Web;
using System.Text.Json;
using Inference.Abstractions.Text;
using Inference.Cli.CommandLine;
using Scheduler.Core;

namespace Inference.Cli.Commands;

/// <summary>
/// `generate`: offline batch inference, like vLLM's <c>LLM(model).generate(prompts, sampling_params)</c>. All prompts
/// are submitted at once and batched by the engine; results print in prompt order, one JSON line each.
/// </summary>
public static class GenerateCommand
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var model = args.RequiredString("model");
        var prompts = ReadPrompts(args);
        var parameters = ReadParameters(args);
        var promptLogits = args.Int("prompt-logits", 0, 1000) ?? 0;
        if (promptLogits > 0 && prompts.Any(p => p is EmbedsPrompt))
            throw new UsageException("--prompt-logits scores prompt tokens; a --prompt-embeds prompt has none");
        var chatTemplate = ChatTemplateArgument.Read(args) is { } template ? ChatTemplateSource.Read(template) : null;
        var engineArguments = OfflineEngineArguments.Read(args);
        var speculative = SpeculativeConfigArgument.Read(args)?.Config;
        args.EnsureAllRead();

        if (await ModelArgument.ResolveAsync(model, cancellationToken) is not { } modelDirectory)
            return 1;
        var engineOptions = engineArguments.ToOptions(modelDirectory, chatTemplate) with { Speculative = speculative };
        parameters = parameters with { LoraName = engineOptions.Lora?.Name };

        using var loggerFactory = OfflineEngine.WarningsOnlyLogging();
        await using var offline = await OfflineEngine.LoadAsync(modelDirectory, engineOptions, loggerFactory, cancellationToken);

        // Submit everything before reading anything, so the engine batches all prompts together.
        var runs = prompts.Select((p, i) => CollectAsync(offline.Engine, new GenerationRequest($"gen-{i}", p, parameters), cancellationToken)).ToList();
        var results = await Task.WhenAll(runs);

        var stdout = Console.OpenStandardOutput();
        for (var i = 0; i < results.Length; i++)
        {
            var logits = promptLogits > 0 ? offline.TopPromptLogits(results[i].PromptTokenIds, promptLogits) : null;
            WriteJsonLine(stdout, i, results[i], logits);
        }
        return 0;
    }

    private static List<Prompt> ReadPrompts(CommandArguments args)
    {
        var chat = args.Flag("chat");
        var templateKwargs = ReadTemplateKwargs(args.String("chat-template-kwargs"));
        if (templateKwargs is not null && !chat)
            throw new UsageException("--chat-template-kwargs applies to --chat prompts only");
        var prompts = new List<Prompt>();
        foreach (var text in args.Strings("prompt"))
        {
            prompts.Add(chat
                ? new ChatPrompt(new ChatTemplateInput(JsonSerializer.Serialize(new[] { new { role = "user", content = text } }), null, true, templateKwargs))
                : new TextPrompt(text));
        }
        if (chat && args.Strings("prompt-ids").Count > 0)
            throw new UsageException("--chat applies to --prompt text only, not to --prompt-ids");
        foreach (var list in args.Strings("prompt-ids"))
            prompts.Add(new TokenIdsPrompt(ParseIds(list)));
        foreach (var file in args.Strings("prompt-embeds"))
            prompts.Add(ReadPromptEmbeds(file));
        if (prompts.Count == 0) throw new UsageException("give at least one --prompt TEXT, --prompt-ids 1,2,3 or --prompt-embeds FILE");
        return prompts;
    }

    /// <summary>A prompt of input embeddings: a file torch.save wrote of a [tokens, hidden_size] tensor (read as data, never run).</summary>
    private static EmbedsPrompt ReadPromptEmbeds(string file)
    {
        try
        {
            var tensor = Inference.Torch.TorchSaveFile.ReadTensor(File.ReadAllBytes(file));
            return new EmbedsPrompt(tensor.Values, tensor.Rows());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new UsageException($"--prompt-embeds {file}: {e.Message}");
        }
    }

    /// <summary>Extra chat template variables as a JSON object, like vLLM's chat_template_kwargs (e.g. {"enable_thinking": false}).</summary>
    private static string? ReadTemplateKwargs(string? json)
    {
        if (json is null) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new UsageException($"--chat-template-kwargs must be a JSON object, like '{{\"enable_thinking\": false}}', got {document.RootElement.ValueKind}");
        }
        catch (JsonException e)
        {
            throw new UsageException($"--chat-template-kwargs is not valid JSON: {e.Message}");
        }
        return json;
    }

    internal static int[] ParseIds(string list)
    {
        var parts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException("--prompt-ids must list at least one token id, like 1,2,3");
        return parts.Select(p => int.TryParse(p, out var id) && id >= 0
            ? id
            : throw new UsageException($"--prompt-ids: '{p}' is not a token id (a non-negative integer)")).ToArray();
    }

    private static GenerationParams ReadParameters(CommandArguments args) => new()
    {
        MaxTokens = args.Int("max-tokens", 1) ?? 16,
        Temperature = args.Float("temperature", 0) ?? 0f,
        TopP = args.Float("top-p", 0, 1),
        TopK = args.Int("top-k", -1),
        Seed = args.ULong("seed"),
        IgnoreEos = args.Flag("ignore-eos"),
        Logprobs = args.Int("logprobs", 0, 20) ?? 0,
        StructuredOutput = StructuredOutputArguments.Read(args),
        Suffix = args.String("suffix"),
        Prediction = args.String("prediction"),
    };

    private static async Task<GenerationResult> CollectAsync(InferenceEngine engine, GenerationRequest request, CancellationToken cancellationToken)
    {
        var result = new GenerationResult();
        await foreach (var output in engine.GenerateAsync(request, cancellationToken))
        {
            if (output.PromptTokenIds is { } promptIds) result.PromptTokenIds = promptIds;
            result.Tokens.AddRange(output.NewTokens);
            result.Text.Append(output.TextDelta);
            if (output.Finish is { } finish) result.Finish = finish;
            if (output.Usage is { } usage) result.Usage = usage;
        }
        return result;
    }

    private static void WriteJsonLine(Stream stdout, int index, GenerationResult result, IReadOnlyList<(int Id, float Logit)>? logits)
    {
        using (var json = new Utf8JsonWriter(stdout, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("index", index);
            json.WriteStartArray("prompt_token_ids");
            foreach (var id in result.PromptTokenIds) json.WriteNumberValue(id);
            json.WriteEndArray();
            json.WriteStartArray("token_ids");
            foreach (var token in result.Tokens) json.WriteNumberValue(token.TokenId);
            json.WriteEndArray();
            json.WriteString("text", result.Text.ToString());
            json.WriteString("finish_reason", result.Finish switch
            {
                FinishReason.Length => "length",
                FinishReason.Abort => "abort",
                _ => "stop",
            });
            if (result.Tokens.Any(t => t.TopLogprobs.Count > 0) || result.Tokens.Any(t => t.Logprob != 0))
            {
                json.WriteStartArray("logprobs");
                foreach (var token in result.Tokens) json.WriteNumberValue(token.Logprob);
                json.WriteEndArray();
            }
            if (result.Usage is { PredictionTokens: > 0 } usage)
            {
                json.WriteNumber("accepted_prediction_tokens", usage.AcceptedPredictionTokens);
                json.WriteNumber("rejected_prediction_tokens", usage.RejectedPredictionTokens);
            }
            if (logits is not null)
            {
                json.WriteStartArray("prompt_top_logits");
                foreach (var (id, logit) in logits)
                {
                    json.WriteStartObject();
                    json.WriteNumber("id", id);
                    json.WriteNumber("logit", logit);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
        stdout.Flush();
    }

    private sealed class GenerationResult
    {
        public IReadOnlyList<int> PromptTokenIds { get; set; } = [];
        public List<GeneratedToken> Tokens { get; } = [];
        public System.Text.StringBuilder Text { get; } = new();
        public FinishReason Finish { get; set; } = FinishReason.Abort;
        public GenerationUsage? Usage { get; set; }
    }
}
