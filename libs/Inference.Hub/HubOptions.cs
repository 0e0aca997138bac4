namespace Inference.Hub;

/// <summary>Where the hub cache is, which hub to ask, with which token, and whether asking is allowed at all.</summary>
public sealed record HubOptions
{
    /// <summary>The hub's base address. Default: HF_ENDPOINT, else https://huggingface.co.</summary>
    public Uri Endpoint { get; init; } = new("https://huggingface.co");

    /// <summary>
    /// The cache folder holding <c>models--ORG--NAME</c>. Default: HF_HUB_CACHE, else $HF_HOME/hub, else
    /// ~/.cache/huggingface/hub.
    /// </summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Sent as "Authorization: Bearer TOKEN". Default: HF_TOKEN, else the file $HF_HOME/token; none if neither.</summary>
    public string? Token { get; init; }

    /// <summary>Never touch the network. Default: HF_HUB_OFFLINE is 1, true, yes or on.</summary>
    public bool Offline { get; init; }

    /// <summary>The options the environment gives, as huggingface_hub reads them.</summary>
    public static HubOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The options a given environment gives (tests pass a dictionary's lookup).</summary>
    public static HubOptions FromEnvironment(Func<string, string?> variable)
    {
        string? Get(string name) => variable(name) is { Length: > 0 } value ? value : null;
        var home = Get("HF_HOME") ?? Path.Combine(
            Get("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "huggingface");
        var endpoint = Get("HF_ENDPOINT") ?? "https://huggingface.co";
        if (!Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new HubException($"HF_ENDPOINT must be an http(s) address, got '{endpoint}'");
        return new HubOptions
        {
            Endpoint = uri,
            CacheDirectory = Get("HF_HUB_CACHE") ?? Path.Combine(home, "hub"),
            Token = Get("HF_TOKEN") ?? ReadTokenFile(Path.Combine(home, "token")),
            Offline = IsTrue(Get("HF_HUB_OFFLINE")),
        };
    }

    /// <summary>huggingface_hub's truthy values: 1, ON, YES, TRUE in any case.</summary>
    public static bool IsTrue(string? value) =>
        value is not null && value.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static string? ReadTokenFile(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
}
