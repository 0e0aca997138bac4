using System.Text.Json;
using Grpc.Core;
using Inference.Contracts.Mapping;

namespace Gateway.Api.Errors;

/// <summary>
/// The one place that decides how a failure looks to an OpenAI client: HTTP status, type, message, and for an
/// overload the <c>Retry-After</c> header.
/// </summary>
public static class ErrorTable
{
    /// <summary>
    /// How long an overloaded client waits before retrying. The scheduler refuses beyond its admission bound at once
    /// (RESOURCE_EXHAUSTED) instead of queueing, so a retry soon after may well be admitted.
    /// </summary>
    public const int OverloadRetryAfterSeconds = 1;

    public static ErrorAnswer Describe(Exception exception) => exception switch
    {
        ApiException api => Answer(api.StatusCode, api.Message, api.Param),
        JsonException json => Answer(400, $"Malformed JSON body: {json.Message}", null),
        BadHttpRequestException bad => Answer(bad.StatusCode, bad.Message, null),
        RpcException rpc => FromRpc(rpc),
        _ => Answer(500, "Internal server error.", null),
    };

    private static ErrorAnswer FromRpc(RpcException rpc) => rpc.StatusCode switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition =>
            Answer(400, rpc.Status.Detail, ValidationErrors.InvalidField(rpc)),
        StatusCode.NotFound => Answer(404, rpc.Status.Detail, null),
        // The engine's one AlreadyExists: a request_id that a running request holds.
        StatusCode.AlreadyExists => Answer(409, rpc.Status.Detail, "request_id"),
        StatusCode.ResourceExhausted =>
            Answer(429, $"The server is overloaded: {rpc.Status.Detail}", null) with { RetryAfterSeconds = OverloadRetryAfterSeconds },
        StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
            Answer(503, $"The inference backend is unavailable: {rpc.Status.Detail}", null),
        _ => Answer(500, $"The inference backend failed: {rpc.StatusCode}: {rpc.Status.Detail}", null),
    };

    /// <summary>The envelope's error for a status the gateway (or the web framework) decided on itself.</summary>
    public static ErrorInfo ForStatus(int status, string message, string? param = null) =>
        new(message, TypeFor(status), param, status);

    private static ErrorAnswer Answer(int status, string message, string? param) => new(ForStatus(status, message, param));

    /// <summary>The OpenAI SDK's exception class names, which vLLM reuses as error types.</summary>
    private static string TypeFor(int status) => status switch
    {
        400 => "BadRequestError",
        401 => "AuthenticationError",
        403 => "PermissionDeniedError",
        404 => "NotFoundError",
        409 => "ConflictError",
        413 => "BadRequestError",
        422 => "UnprocessableEntityError",
        429 => "RateLimitError",
        503 => "ServiceUnavailableError",
        _ when status >= 500 => "InternalServerError",
        _ => "BadRequestError",
    };
}
