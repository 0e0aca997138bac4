namespace Gateway.Api.Errors;

/// <summary>A request the gateway refuses itself, with the HTTP status and the offending field.</summary>
public sealed class ApiException(int statusCode, string message, string? param = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;

    public static ApiException BadRequest(string message, string? param = null) =>
        new(StatusCodes.Status400BadRequest, message, param);

    public static ApiException UnsupportedMediaType(string message) =>
        new(StatusCodes.Status415UnsupportedMediaType, message);

    public static ApiException ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"The model `{model}` does not exist.", "model");

    public static ApiException RequestTimedOut(double seconds) =>
        new(StatusCodes.Status504GatewayTimeout,
            $"The request ran longer than the server's limit of {seconds} s (Gateway:RequestTimeoutSeconds) and was aborted.");
}
