using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Invocations;

/// <summary>
/// <c>POST /invocations</c>, vLLM's route for SageMaker-style hosts (which poll <c>/ping</c> and send every request to
/// this one path): the body's shape picks the endpoint (<see cref="InvocationRoute"/>), and that endpoint runs the
/// request exactly as if it had been sent to it: its fields, its filters (the request deadline), its answer, streamed
/// or whole. Like <c>/score</c> and <c>/rerank</c> it is not under <c>/v1</c>, so <c>--api-key</c> does not cover it,
/// as in vLLM.
/// </summary>
public static class InvocationsEndpoint
{
    public static async Task HandleAsync(HttpContext http, ServedModel servedModel, EndpointDataSource endpoints)
    {
        // The chosen endpoint reads the body again, from the start.
        http.Request.EnableBuffering();
        var fields = await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted);
        http.Request.Body.Position = 0;

        var path = await InvocationRoute.ChooseAsync(fields, servedModel, http.RequestAborted);
        var target = endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .First(endpoint => endpoint.RoutePattern.RawText == path
                && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Post) == true);
        http.SetEndpoint(target);
        await target.RequestDelegate!(http);
    }
}
