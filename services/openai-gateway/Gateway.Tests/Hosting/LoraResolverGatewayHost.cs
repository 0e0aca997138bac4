using System.Text.Json;
using Gateway.Tests.Fakes;

namespace Gateway.Tests.Hosting;

/// <summary>
/// <see cref="RuntimeLoraGatewayHost"/> with vLLM's LoRA filesystem resolver on: VLLM_LORA_RESOLVER_CACHE_DIR is a fresh
/// folder, deleted at the end, that tests fill with adapter folders (<see cref="WriteAdapter"/>); VLLM_PLUGINS is unset,
/// which in vLLM loads every plugin.
/// </summary>
public sealed class LoraResolverGatewayHost : LoraGatewayHost
{
    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("gateway-lora-resolver-");

    protected override IEnumerable<string> ExtraArgs =>
        ["--VLLM_ALLOW_RUNTIME_LORA_UPDATING", "true", "--VLLM_LORA_RESOLVER_CACHE_DIR", Folder.FullName];

    /// <summary>
    /// Writes <paramref name="relativePath"/> under the folder with an adapter_config.json as PEFT writes it; the fake
    /// scheduler loads whatever path it is given, so no weights are needed. Returns the adapter's folder.
    /// </summary>
    public string WriteAdapter(string relativePath, string baseModel = FakeScheduler.ModelName, string peftType = "LORA")
    {
        var folder = Path.Combine(Folder.FullName, relativePath);
        Directory.CreateDirectory(folder);
        File.WriteAllText(
            Path.Combine(folder, "adapter_config.json"),
            JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["peft_type"] = peftType,
                ["base_model_name_or_path"] = baseModel,
                ["r"] = FakeLoraAdapters.Rank,
                ["lora_alpha"] = 16,
                ["target_modules"] = new[] { "q_proj", "v_proj" },
            }));
        return folder;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Folder.Delete(recursive: true);
    }
}
