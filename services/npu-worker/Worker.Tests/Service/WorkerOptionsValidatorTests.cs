using Worker.Service;

namespace Worker.Tests.Service;

public sealed class WorkerOptionsValidatorTests
{
    [Fact]
    public void Validate_UnknownQuantization_FailsNamingTheKeyAndTheChoices()
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), Quantization = "q4_0" };
        var result = new WorkerOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Worker:Quantization must be one of none, q8_0, got 'q4_0'.", result.Failures!);
    }

    [Theory]
    [InlineData("fp8")]
    [InlineData("float16")]
    public void Validate_UnsupportedKvCacheDtype_FailsNamingTheKeyAndTheChoices(string dtype)
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), KvCacheDtype = dtype };
        var result = new WorkerOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains($"Worker:KvCacheDtype must be one of auto, bfloat16, got '{dtype}'.", result.Failures!);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("bfloat16")]
    [InlineData("")]
    public void Validate_KvCacheDtypeAutoBfloat16OrEmpty_Passes(string dtype)
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), KvCacheDtype = dtype };
        Assert.True(new WorkerOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("""{"pooling_type": "MEAN", "softmax": true}""", "Worker:PoolerConfig: pooler config field 'softmax' is not supported")]
    [InlineData("""{"pooling_type": "ALL"}""", "Worker:PoolerConfig: pooler config pooling_type ALL returns an output per token")]
    [InlineData("MEAN", "Worker:PoolerConfig: pooler config is not JSON")]
    public void Validate_UnusablePoolerConfig_FailsNamingTheKeyAndTheField(string json, string message)
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), PoolerConfig = json };
        var result = new WorkerOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"pooling_type": "MEAN", "normalize": false}""")]
    [InlineData("")]
    public void Validate_PoolerConfigOrEmpty_Passes(string json)
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), PoolerConfig = json };
        Assert.True(new WorkerOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_Q8_0Quantization_Passes()
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), Quantization = "Q8_0" };
        Assert.True(new WorkerOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_NoPromptLogprobRows_FailsNamingTheKey()
    {
        var options = new WorkerOptions { ModelPath = Path.GetTempPath(), MaxPromptLogprobRows = 0 };
        var result = new WorkerOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Worker:MaxPromptLogprobRows must be >= 1, got 0.", result.Failures!);
    }
}
