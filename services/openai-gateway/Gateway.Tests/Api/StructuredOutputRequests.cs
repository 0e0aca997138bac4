using Gateway.Tests.Hosting;
using CommonV1 = Inference.Contracts.Common.V1;

namespace Gateway.Tests.Api;

/// <summary>The structured-output request tests' requests, each marked by its prompt (or chat message), and what the
/// fake scheduler received for one.</summary>
internal static class StructuredOutputRequests
{
    public static Task<HttpAnswer> ChatWithResponseFormat(this GatewayHost host, string content, string responseFormat) =>
        host.Http.PostJsonAsync("/v1/chat/completions",
            $$"""{"messages":[{"role":"user","content":"{{content}}"}],"response_format":{{responseFormat}}}""");

    public static Task<HttpAnswer> CompletionWith(this GatewayHost host, string prompt, string fields) =>
        host.Http.PostJsonAsync("/v1/completions", $$"""{"prompt":"{{prompt}}",{{fields}}}""");

    /// <summary>The structured output the scheduler received for the request whose prompt (or chat message) is the marker.</summary>
    public static CommonV1.StructuredOutput SentStructuredOutput(this GatewayHost host, string marker) =>
        Assert.Single(host.Scheduler.Requests, r => r.Text == marker || (r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) ?? false))
            .Sampling.StructuredOutput;
}
