using System.ClientModel;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace Integration.Tests.Containers;

/// <summary>The system as containers, driven by the official OpenAI .NET SDK, against offline `generate`.</summary>
[Collection(ContainerCollection.Name)]
public sealed class ContainerSystemTests(ContainerSystem system)
{
    [Fact]
    public async Task ChatCompletion_AgainstContainers_EqualsOfflineGenerate()
    {
        var offline = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), "generate", "--model", system.ModelDirectory, "--chat", "--prompt", "Hello!", "--max-tokens", "8");
        Assert.True(offline.ExitCode == 0, offline.Stderr);
        using var expected = JsonDocument.Parse(offline.Stdout.Trim());
        var client = new ChatClient("model", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("Hello!")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 },
            timeout.Token);

        Assert.Equal(expected.RootElement.GetProperty("text").GetString(), completion.Content[0].Text);
        Assert.Equal(8, completion.Usage.OutputTokenCount);
    }
}
