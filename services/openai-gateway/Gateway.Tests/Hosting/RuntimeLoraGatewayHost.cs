namespace Gateway.Tests.Hosting;

/// <summary>
/// <see cref="LoraGatewayHost"/> with vLLM's VLLM_ALLOW_RUNTIME_LORA_UPDATING on (given as a command-line key, which is
/// the same configuration key the environment variable sets; "True" as Python's str(True) writes it).
/// </summary>
public sealed class RuntimeLoraGatewayHost : LoraGatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--VLLM_ALLOW_RUNTIME_LORA_UPDATING", "True"];
}
