using System.Text.Json;
using Grpc.Core;

namespace Gateway.Api.Errors;

/// <summary>The one place that decides how a failure looks to an OpenAI client: HTTP status, type, message.</summary>
public static class ErrorTable
{
    public static ErrorInfo Describe(Exception exception) => exception switch
    {
        ApiException api => Info(api.StatusCode, api.Message, api.Param),
        JsonException json => Info(400, $"Malformed JSON body: {json.Message}", null),
        BadHttpRequestException bad => Info(bad.StatusCode, bad.Message, null),
        RpcException rpc => FromRpc(rpc),
        _ => Info(500, "Internal server error.", null),
    };

    private static ErrorInfo FromRpc(RpcException rpc) => rpc.StatusCode switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition =>
            Info(400, rpc.Status.Detail, null),
        StatusCode.NotFound => Info(404, rpc.Status.Detail, null),
        StatusCode.ResourceExhausted => Info(429, rpc.Status.Detail, null),
        StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
            Info(503, $"The inference backend is unavailable: {rpc.Status.Detail}", null),
        _ => Info(500, $"The inference backend failed: {rpc.StatusCode}: {rpc.Status.Detail}", null),
    };

    private static ErrorInfo Info(int status, string message, string? param) =>
        new(message, TypeFor(status), param, status);

    /// <summary>The OpenAI SDK's exception class names, which vLLM reuses as error types.</summary>
    private static string TypeFor(int status) => status switch
    {
        400 => "BadRequestError",
        401 => "AuthenticationError",
        403 => "PermissionDeniedError",
        404 => "NotFoundError",
        413 => "BadRequestError",
        422 => "UnprocessableEntityError",
        429 => "RateLimitError",
        503 => "ServiceUnavailableError",
        _ when status >= 500 => "InternalServerError",
        _ => "BadRequestError",
    };
}
