using Gateway.Api.Errors;
using Grpc.Core;

namespace Gateway.Api.Lora;

/// <summary>
/// The scheduler's refusals of a load or an unload in vLLM's statuses. ALREADY_EXISTS (the name is taken) is a 400, as
/// vLLM's "has already been loaded", not the 409 the error table gives a request_id in use; NOT_FOUND is a 404 naming the
/// field it is about. The other statuses keep the error table's answer, with the scheduler's message: INVALID_ARGUMENT
/// and FAILED_PRECONDITION (an adapter loaded at start stays) are 400s, UNAVAILABLE a 503.
/// </summary>
public static class LoraAdapterErrors
{
    /// <summary>Runs a load or an unload, its refusals answered as <see cref="Translate"/> says.</summary>
    public static async Task<T> AnswerAsync<T>(Func<Task<T>> call, string notFoundField)
    {
        try
        {
            return await call();
        }
        catch (RpcException error) when (Translate(error, notFoundField) is { } refusal)
        {
            throw refusal;
        }
    }

    /// <param name="error">The scheduler's refusal.</param>
    /// <param name="notFoundField">The field a NOT_FOUND is about: a load's lora_path (no such folder on a worker), an
    /// unload's lora_name (no such adapter loaded).</param>
    /// <returns>The answer to give instead, or null to let the error table describe <paramref name="error"/>.</returns>
    public static ApiException? Translate(RpcException error, string notFoundField) => error.StatusCode switch
    {
        StatusCode.AlreadyExists => ApiException.BadRequest(error.Status.Detail, LoraAdapterRequests.NameField),
        StatusCode.NotFound => new ApiException(StatusCodes.Status404NotFound, error.Status.Detail, notFoundField),
        _ => null,
    };
}
