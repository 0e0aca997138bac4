using Gateway.Api.Errors;
using Grpc.Core;

namespace Gateway.Api.Embeddings;

/// <summary>
/// The scheduler's refusals of one input in the embeddings API's words: the engine names the prompt, which here is
/// <c>input</c> (the message says which, <c>input[i]</c>, when the request lists several), and FAILED_PRECONDITION
/// means the served model embeds nothing. Other failures (overload, a backend down) keep the error table's answer.
/// </summary>
public static class EmbeddingErrors
{
    /// <returns>The 400 to answer instead, or null to let the error table describe <paramref name="error"/>.</returns>
    public static ApiException? Translate(RpcException error, int index, int inputCount, string model) => error.StatusCode switch
    {
        StatusCode.FailedPrecondition => ApiException.BadRequest(
            error.Status.Detail is { Length: > 0 } detail
                ? $"The model `{model}` does not support embeddings: {detail}"
                : $"The model `{model}` does not support embeddings.",
            "model"),
        StatusCode.InvalidArgument or StatusCode.OutOfRange => Renamed(ErrorTable.Describe(error).Error, index, inputCount),
        _ => null,
    };

    private static ApiException Renamed(ErrorInfo refusal, int index, int inputCount)
    {
        if (refusal.Param != "prompt")
        {
            return ApiException.BadRequest(refusal.Message, refusal.Param);
        }

        var message = inputCount > 1 ? $"{EmbeddingInputs.Field}[{index}]: {refusal.Message}" : refusal.Message;
        return ApiException.BadRequest(message, EmbeddingInputs.Field);
    }
}
