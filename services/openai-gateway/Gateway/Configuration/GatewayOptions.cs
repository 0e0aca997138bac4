namespace Gateway.Configuration;

/// <summary>Settings of the gateway, bound from the <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// The configuration key of <see cref="AllowRuntimeLoraUpdating"/>: vLLM's environment variable, kept at the top level
    /// (not under <see cref="SectionName"/>) so that the environment variable of that name sets it, as it sets vLLM's.
    /// </summary>
    public const string RuntimeLoraUpdatingKey = "VLLM_ALLOW_RUNTIME_LORA_UPDATING";

    /// <summary>The top-level configuration key of <see cref="LoraResolverCacheDir"/> (vLLM's environment variable).</summary>
    public const string LoraResolverCacheDirKey = "VLLM_LORA_RESOLVER_CACHE_DIR";

    /// <summary>The top-level configuration key of <see cref="Plugins"/> (vLLM's environment variable).</summary>
    public const string PluginsKey = "VLLM_PLUGINS";

    /// <summary>The one plugin this gateway has: vLLM's resolver of LoRA adapters from folders under <see cref="LoraResolverCacheDir"/>.</summary>
    public const string FilesystemResolverPlugin = "lora_filesystem_resolver";

    /// <summary>Address of the scheduler's gRPC API, for example <c>http://127.0.0.1:50052</c>. Required.</summary>
    public string SchedulerAddress { get; set; } = "";

    /// <summary>Address of the tokenizer's gRPC API, for example <c>http://127.0.0.1:50051</c>. Required.</summary>
    public string TokenizerAddress { get; set; } = "";

    /// <summary>
    /// Port of the gRPC front door that proxies direct <c>inference.scheduler.v1.Generation</c> clients to the
    /// scheduler (cleartext HTTP/2, so it needs its own port). Default: null, no front door.
    /// </summary>
    public int? GrpcPort { get; set; }

    /// <summary>
    /// When set, <c>/v1/*</c> requests and gRPC front-door calls must carry <c>Authorization: Bearer &lt;key&gt;</c>
    /// (vLLM's <c>--api-key</c>). Default: null, no authentication.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>How long <c>GET /health</c> waits for the scheduler, in seconds. Default: 5.</summary>
    public double HealthTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// Longest a <c>/v1/completions</c> or <c>/v1/chat/completions</c> request may run, in seconds, waiting in the
    /// scheduler's queue included; past it the scheduler call is cancelled and the client gets a 504 error (in a
    /// stream: an error event, then <c>[DONE]</c>). Default: null, no limit.
    /// </summary>
    public double? RequestTimeoutSeconds { get; set; }

    /// <summary>
    /// vLLM's <c>--reasoning-parser</c>: <c>qwen3</c> or <c>deepseek_r1</c> (<see cref="Inference.Abstractions.Text.ReasoningParserNames"/>)
    /// moves the <c>&lt;think&gt;</c> block of each chat answer out of its content into <c>reasoning</c> (and
    /// <c>reasoning_content</c>). Default: null, answers as generated.
    /// </summary>
    public string? ReasoningParser { get; set; }

    /// <summary>
    /// vLLM's <c>--trust-request-chat-template</c>: a chat request (or /tokenize) may bring its own <c>chat_template</c>,
    /// rendered instead of the model's. Off by default, as in vLLM: a template is code the tokenizer runs, so only an
    /// operator who trusts every client turns it on.
    /// </summary>
    public bool TrustRequestChatTemplate { get; set; }

    /// <summary>
    /// vLLM's <c>VLLM_ALLOW_RUNTIME_LORA_UPDATING</c>, read from the top-level key <see cref="RuntimeLoraUpdatingKey"/> (a
    /// value under the Gateway section is overwritten by it). <c>true</c> or <c>1</c>, in any case, as vLLM reads it: the
    /// gateway offers <c>POST /v1/load_lora_adapter</c> and <c>/v1/unload_lora_adapter</c>, and asks the scheduler again
    /// before it answers 404 for a model it does not know (another gateway may have loaded it). <c>false</c>, <c>0</c> or
    /// empty: off. Any other value fails start-up, where vLLM would quietly read it as off. Default: null, off, as in vLLM
    /// (a client that may load adapters names folders on the workers' disks: an operator's choice).
    /// </summary>
    public string? AllowRuntimeLoraUpdating { get; set; }

    /// <summary>Whether <see cref="AllowRuntimeLoraUpdating"/> turns runtime LoRA loading on.</summary>
    public bool RuntimeLoraUpdating => AllowRuntimeLoraUpdating?.Trim().ToLowerInvariant() is "true" or "1";

    /// <summary>
    /// vLLM's <c>VLLM_LORA_RESOLVER_CACHE_DIR</c>, read from the top-level key <see cref="LoraResolverCacheDirKey"/>: a
    /// folder of PEFT adapter folders. A request naming a model this gateway does not serve, <c>X</c>, loads the adapter
    /// in <c>DIR/X</c> on every worker and runs with it, when its <c>adapter_config.json</c> says <c>"peft_type":
    /// "LORA"</c> and names the served model as <c>base_model_name_or_path</c> (vLLM's <c>lora_filesystem_resolver</c>);
    /// the adapter then stays loaded, as one loaded by <c>/v1/load_lora_adapter</c>. Needs
    /// <see cref="AllowRuntimeLoraUpdating"/> on and an existing folder (start-up fails otherwise, naming the setting);
    /// the path must be the same for the workers, which read the adapter from it. Default: null, no resolver.
    /// </summary>
    public string? LoraResolverCacheDir { get; set; }

    /// <summary>
    /// vLLM's <c>VLLM_PLUGINS</c>, read from the top-level key <see cref="PluginsKey"/>: the plugins to load, comma-separated.
    /// Unset: every plugin this gateway has (<see cref="FilesystemResolverPlugin"/>), as vLLM loads all it finds; empty:
    /// none. A name this gateway does not have fails start-up, where vLLM would load nothing for it.
    /// </summary>
    public string? Plugins { get; set; }

    /// <summary>The names <see cref="Plugins"/> lists, trimmed; null when it is unset (every plugin).</summary>
    public IReadOnlyList<string>? PluginNames =>
        Plugins?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The folder the LoRA filesystem resolver looks in, or null when it is off (no folder, or a plugin list without it).</summary>
    public string? FilesystemResolverFolder =>
        LoraResolverCacheDir is { Length: > 0 } folder && (PluginNames?.Contains(FilesystemResolverPlugin) ?? true) ? folder : null;

    /// <summary>Cross-origin (CORS) access for browser clients, from <c>Gateway:Cors</c>. Default: off.</summary>
    public GatewayCorsOptions Cors { get; set; } = new();
}
