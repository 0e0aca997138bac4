using Gateway.Api.Errors;

namespace Gateway.Api.Sse;

/// <summary>
/// How a started stream reports the failure that ends it, where it has a form of its own (the Responses API's
/// <c>error</c> event); an endpoint sets it as a request feature, and <see cref="OpenAiErrorMiddleware"/> uses it
/// instead of the chunk streams' <c>data: {"error": …}</c> and <c>[DONE]</c>.
/// </summary>
public interface IStreamErrorWriter
{
    Task WriteErrorAsync(ErrorInfo error, CancellationToken cancellationToken);
}
