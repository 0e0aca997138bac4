using Gateway.Api.Errors;
using Grpc.Core;

namespace Gateway.Api.Embeddings;

/// <summary>
/// The scheduler's refusals of one prompt in the words of the request that sent it: the engine names the prompt,
/// which here is the field it came from (<c>input</c>, <c>text_1</c>, <c>documents</c>; the message says which item,
/// <c>input[i]</c>, when the field lists several), and FAILED_PRECONDITION means the served model does not answer the
/// task (it embeds nothing, or a classifier was asked for an embedding, or another model to classify).
/// Other failures (overload, a backend down) keep the error table's answer.
/// </summary>
public static class EmbeddingErrors
{
    /// <returns>The 400 to answer instead, or null to let the error table describe <paramref name="error"/>.</returns>
    public static ApiException? Translate(RpcException error, string model, PromptOrigin origin) => error.StatusCode switch
    {
        StatusCode.FailedPrecondition => ApiException.BadRequest(
            error.Status.Detail is { Length: > 0 } detail ? detail : $"The model `{model}` does not support this API.",
            "model"),
        StatusCode.InvalidArgument or StatusCode.OutOfRange => Renamed(ErrorTable.Describe(error).Error, origin),
        _ => null,
    };

    private static ApiException Renamed(ErrorInfo refusal, PromptOrigin origin)
    {
        if (refusal.Param != "prompt")
        {
            return ApiException.BadRequest(refusal.Message, refusal.Param);
        }

        var message = origin.Item is { } item ? $"{item}: {refusal.Message}" : refusal.Message;
        return ApiException.BadRequest(message, origin.Field);
    }
}
