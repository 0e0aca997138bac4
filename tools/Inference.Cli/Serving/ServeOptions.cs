using Worker.Runtime.Lora;

namespace Inference.Cli.Serving;

/// <summary>What `serve` runs: the model, the public port, and the worker fleet and its limits.</summary>
/// <param name="KvCacheMiB">KV cache memory of each worker; null: the worker's default.</param>
/// <param name="Workers">npu-worker processes, each on its own loopback port, all given to the scheduler.</param>
/// <param name="ThreadsPerWorker">Compute threads of each worker; null: <see cref="DefaultThreadsPerWorker"/>.</param>
/// <param name="MaxConcurrentRequests">The scheduler's bound on queued plus running requests; null: its default.</param>
/// <param name="Quantization">How each worker holds its matrix weights ("none" or "q8_0"); null: the worker's default.</param>
/// <param name="KvCacheDtype">vLLM's --kv-cache-dtype for every worker ("auto" or "bfloat16"); null: the worker's default (auto).</param>
/// <param name="ReasoningParser">The gateway's reasoning parser (qwen3, deepseek_r1); null: none.</param>
/// <param name="ApiKey">The key /v1 requests must carry as a bearer token (the gateway's ApiKey); null: none.</param>
/// <param name="MaxModelLength">The scheduler's longest prompt plus output; null: the worker's limit.</param>
/// <param name="MaxNumSeqs">The scheduler's most sequences in one step; null: its default.</param>
/// <param name="MaxNumBatchedTokens">The scheduler's token budget of one step; null: its default.</param>
/// <param name="EnablePrefixCaching">Whether the scheduler reuses cached prompt prefixes; null: its default (on).</param>
/// <param name="ChatTemplate">The tokenizer's chat template in place of the model's (a file's full path, or the template); null: the model's.</param>
/// <param name="LogStats">Whether the scheduler logs its throughput line; null: its default (on).</param>
/// <param name="BlockSize">Tokens per KV cache block (each worker's BlockSize); null: the worker's default (16).</param>
/// <param name="TrustRequestChatTemplate">Requests may bring their own chat_template (the gateway's TrustRequestChatTemplate).</param>
/// <param name="LoraModules">LoRA adapters every worker loads beside the model (Worker:LoraModules); null or empty: none.</param>
/// <param name="SpeculativeConfig">vLLM's speculative_config JSON (the scheduler's SpeculativeConfig); null: off.</param>
/// <param name="PoolerConfig">vLLM's pooler_config JSON, how every worker embeds over what the model folder says (Worker:PoolerConfig); null: the folder's way.</param>
/// <param name="HfOverrides">vLLM's hf_overrides JSON, config.json fields every worker reads in place of the folder's (Worker:HfOverrides); null: none.</param>
/// <param name="EnablePromptEmbeds">vLLM's --enable-prompt-embeds: the scheduler takes prompts given as input embeddings (Scheduler:EnablePromptEmbeds).</param>
/// <param name="Host">The address the OpenAI API and the gRPC front door listen on (0.0.0.0: every interface); the other services stay on loopback.</param>
public sealed record ServeOptions(
    string ModelDirectory,
    int HttpPort,
    int? KvCacheMiB = null,
    int Workers = 1,
    int? ThreadsPerWorker = null,
    int? MaxConcurrentRequests = null,
    string? Quantization = null,
    string? ReasoningParser = null,
    string? ApiKey = null,
    int? MaxModelLength = null,
    int? MaxNumSeqs = null,
    int? MaxNumBatchedTokens = null,
    bool? EnablePrefixCaching = null,
    string? ChatTemplate = null,
    string Host = "127.0.0.1",
    int? BlockSize = null,
    bool? LogStats = null,
    bool TrustRequestChatTemplate = false,
    IReadOnlyList<LoraModule>? LoraModules = null,
    int? MaxLoraRank = null,
    int? MaxLoras = null,
    string? SpeculativeConfig = null,
    string? PoolerConfig = null,
    string? HfOverrides = null,
    bool EnablePromptEmbeds = false,
    string? KvCacheDtype = null)
{
    /// <summary>The machine's processors split evenly between the workers, at least one each.</summary>
    public static int DefaultThreadsPerWorker(int processorCount, int workers) => Math.Max(1, processorCount / workers);

    public int EffectiveThreadsPerWorker => ThreadsPerWorker ?? DefaultThreadsPerWorker(Environment.ProcessorCount, Workers);

    /// <summary>The host part of the gateway's URL: an IPv6 address in brackets.</summary>
    public string UrlHost => System.Net.IPAddress.TryParse(Host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Host}]"
        : Host;

    /// <summary>Where serve itself reaches the gateway: loopback when it listens on every interface, else its address.</summary>
    public string ClientUrlHost => Host switch
    {
        "0.0.0.0" => "127.0.0.1",
        "::" => "[::1]",
        _ => UrlHost,
    };
}
