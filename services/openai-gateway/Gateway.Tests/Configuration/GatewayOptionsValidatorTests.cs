using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

public sealed class GatewayOptionsValidatorTests
{
    [Fact]
    public void Validate_MissingAddresses_NamesBothKeys()
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions());

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Gateway:SchedulerAddress", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Gateway:TokenizerAddress", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PortOutOfRange_NamesGrpcPort()
    {
        var options = new GatewayOptions
        {
            SchedulerAddress = "http://127.0.0.1:1",
            TokenizerAddress = "http://127.0.0.1:2",
            GrpcPort = 70000,
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal("Gateway:GrpcPort must be between 1 and 65535, got 70000.", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(double.NaN)]
    [InlineData(1e10)]
    public void Validate_RequestTimeoutOutOfRange_NamesIt(double seconds)
    {
        var options = new GatewayOptions
        {
            SchedulerAddress = "http://127.0.0.1:1",
            TokenizerAddress = "http://127.0.0.1:2",
            RequestTimeoutSeconds = seconds,
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.StartsWith("Gateway:RequestTimeoutSeconds must be > 0", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_CompleteSettings_Succeeds()
    {
        var options = new GatewayOptions { SchedulerAddress = "http://127.0.0.1:1", TokenizerAddress = "http://127.0.0.1:2" };

        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Build_WithAZeroRequestTimeout_FailsFastNamingIt()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayApp.Build(
        [
            "--Gateway:SchedulerAddress", "http://127.0.0.1:1",
            "--Gateway:TokenizerAddress", "http://127.0.0.1:2",
            "--Gateway:RequestTimeoutSeconds", "0",
        ]));

        Assert.Contains("Gateway:RequestTimeoutSeconds", error.Message);
    }

    [Fact]
    public void Build_WithoutSchedulerAddress_FailsFastNamingIt()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayApp.Build(["--Gateway:TokenizerAddress", "http://127.0.0.1:2"]));

        Assert.Contains("Gateway:SchedulerAddress", error.Message);
    }

    [Fact]
    public void Validate_CredentialsWithAnyOrigin_NamesAllowCredentials()
    {
        var options = Valid();
        options.Cors.AllowedOrigins = ["*"];
        options.Cors.AllowCredentials = true;

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.StartsWith("Gateway:Cors:AllowCredentials cannot be true with the * origin", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_OriginThatIsNotAnOrigin_NamesAllowedOrigins()
    {
        var options = Valid();
        options.Cors.AllowedOrigins = ["app.example.com"];

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.StartsWith("Gateway:Cors:AllowedOrigins must hold origins", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_CorsDefaults_AreValidAndOff()
    {
        var options = Valid();

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.False(options.Cors.Enabled);
    }

    private static GatewayOptions Valid() => new()
    {
        SchedulerAddress = "http://127.0.0.1:1",
        TokenizerAddress = "http://127.0.0.1:2",
    };

    [Fact]
    public void Validate_UnknownReasoningParser_NamesItAndTheKnownOnes()
    {
        var options = new GatewayOptions
        {
            SchedulerAddress = "http://127.0.0.1:1",
            TokenizerAddress = "http://127.0.0.1:2",
            ReasoningParser = "qwen2",
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal("Gateway:ReasoningParser must be one of qwen3, deepseek_r1 when set, got 'qwen2'.", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("False", false)]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData(" TRUE ", true)]
    public void Validate_RuntimeLoraUpdating_TakesVllmsSpellings(string? value, bool on)
    {
        var options = Valid();
        options.AllowRuntimeLoraUpdating = value;

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.Equal(on, options.RuntimeLoraUpdating);
    }

    [Fact]
    public void Validate_RuntimeLoraUpdatingOtherValue_NamesTheVariable()
    {
        var options = Valid();
        options.AllowRuntimeLoraUpdating = "yes";

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal("VLLM_ALLOW_RUNTIME_LORA_UPDATING must be true, 1, false or 0 when set, got 'yes'.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Build_WithRuntimeLoraUpdatingMisspelt_FailsFastNamingIt()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayApp.Build(
        [
            "--Gateway:SchedulerAddress", "http://127.0.0.1:1",
            "--Gateway:TokenizerAddress", "http://127.0.0.1:2",
            "--VLLM_ALLOW_RUNTIME_LORA_UPDATING", "on",
        ]));

        Assert.Contains("VLLM_ALLOW_RUNTIME_LORA_UPDATING", error.Message);
    }

    [Fact]
    public void Validate_ResolverFolderWithRuntimeUpdating_TurnsTheResolverOn()
    {
        var options = Valid();
        options.AllowRuntimeLoraUpdating = "true";
        options.LoraResolverCacheDir = Path.GetTempPath();

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.Equal(Path.GetTempPath(), options.FilesystemResolverFolder);
    }

    [Theory]
    [InlineData("lora_filesystem_resolver", true)]
    [InlineData(" lora_filesystem_resolver , ", true)]
    [InlineData("", false)]
    public void Validate_PluginList_DecidesWhetherTheResolverRuns(string plugins, bool on)
    {
        var options = Valid();
        options.AllowRuntimeLoraUpdating = "1";
        options.LoraResolverCacheDir = Path.GetTempPath();
        options.Plugins = plugins;

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.Equal(on ? Path.GetTempPath() : null, options.FilesystemResolverFolder);
    }

    [Fact]
    public void Validate_PluginItDoesNotHave_NamesIt()
    {
        var options = Valid();
        options.Plugins = "lora_filesystem_resolver,hf_hub_resolver";

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(
            "VLLM_PLUGINS names 'hf_hub_resolver', a plugin this gateway does not have (it has lora_filesystem_resolver).",
            Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_ResolverFolderWithoutRuntimeUpdating_SaysItNeedsIt()
    {
        var options = Valid();
        options.LoraResolverCacheDir = Path.GetTempPath();

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(
            "VLLM_LORA_RESOLVER_CACHE_DIR loads adapters while serving: it needs VLLM_ALLOW_RUNTIME_LORA_UPDATING=true.",
            Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_ResolverFolderMissing_NamesIt()
    {
        var options = Valid();
        options.AllowRuntimeLoraUpdating = "true";
        options.LoraResolverCacheDir = "/no/such/lora/folder";

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(
            "VLLM_LORA_RESOLVER_CACHE_DIR must be an existing folder, got '/no/such/lora/folder'.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Build_ReadsTheResolverFromVllmsVariables()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayApp.Build(
        [
            "--Gateway:SchedulerAddress", "http://127.0.0.1:1",
            "--Gateway:TokenizerAddress", "http://127.0.0.1:2",
            "--VLLM_ALLOW_RUNTIME_LORA_UPDATING", "true",
            "--VLLM_LORA_RESOLVER_CACHE_DIR", "/no/such/lora/folder",
        ]));

        Assert.Contains("VLLM_LORA_RESOLVER_CACHE_DIR must be an existing folder", error.Message);
    }
}
