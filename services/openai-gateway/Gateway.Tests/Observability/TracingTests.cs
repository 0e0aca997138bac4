using System.Net.Sockets;
using System.Text;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Observability;

/// <summary>One trace follows a request across services: the gateway passes the caller's trace on to the scheduler.</summary>
public sealed class TracingTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task ACompletion_CarriesTheCallersTraceIdToTheScheduler()
    {
        // Written by hand on a socket: in this process HttpClient is traced too and would send a trace of its own.
        const string body = """{"prompt":"traced"}""";
        var request =
            $"POST /v1/completions HTTP/1.1\r\nHost: {host.HttpAddress.Authority}\r\nContent-Type: application/json\r\n" +
            $"traceparent: 00-{TraceId}-00f067aa0ba902b7-01\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        using var client = new TcpClient();
        await client.ConnectAsync(host.HttpAddress.Host, host.HttpAddress.Port).WaitAsync(GatewayHost.Timeout);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request)).AsTask().WaitAsync(GatewayHost.Timeout);

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(GatewayHost.Timeout);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal(TraceId, host.Scheduler.TraceParents["traced"].Split('-')[1]);
    }
}
