using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Invocations;

/// <summary>
/// Which endpoint an <c>/invocations</c> body belongs to, in vLLM's order (chat, completions, embeddings, classify,
/// score, rerank): the first whose defining field the body holds (not null). A sequence classifier has no chat,
/// completions or embeddings, so there <c>messages</c> and <c>input</c> are classify's, as vLLM's classification
/// request takes either. A body with none of these fields is a 400 that lists them.
/// </summary>
public static class InvocationRoute
{
    public const string Chat = "/v1/chat/completions";
    public const string Completions = "/v1/completions";
    public const string Embeddings = "/v1/embeddings";
    public const string Classify = "/v1/classify";
    public const string Score = "/v1/score";
    public const string Rerank = "/v1/rerank";

    public static async Task<string> ChooseAsync(RequestFields fields, ServedModel servedModel, CancellationToken cancellationToken)
    {
        bool Has(string field) => fields.Raw(field) is not null;

        if (Has("messages"))
        {
            return await IsClassifierAsync(servedModel, cancellationToken) ? Classify : Chat;
        }

        if (Has("prompt") || Has("prompt_embeds"))
        {
            return Completions;
        }

        if (Has("input"))
        {
            return await IsClassifierAsync(servedModel, cancellationToken) ? Classify : Embeddings;
        }

        if (Has("text_1") || Has("text_2"))
        {
            return Score;
        }

        if (Has("query") || Has("documents"))
        {
            return Rerank;
        }

        throw ApiException.BadRequest(
            "Cannot find a suitable handler for the /invocations request: its body holds none of messages (chat completions, "
            + "or classify for a classifier), prompt or prompt_embeds (completions), input (embeddings, or classify for a "
            + "classifier), text_1 and text_2 (score), query and documents (rerank).");
    }

    private static async Task<bool> IsClassifierAsync(ServedModel servedModel, CancellationToken cancellationToken) =>
        (await servedModel.GetAsync(cancellationToken)).Classifier is not null;
}
