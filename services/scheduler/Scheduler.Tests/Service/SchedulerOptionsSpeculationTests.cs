using Scheduler.Core.Speculation;
using Scheduler.Service.Configuration;

namespace Scheduler.Tests.Service;

/// <summary>Scheduler:SpeculativeConfig (vLLM's --speculative-config JSON) reaches the engine, and a bad one stops the start naming it.</summary>
public sealed class SchedulerOptionsSpeculationTests
{
    [Fact]
    public void SpeculativeConfig_BecomesTheEnginesNgramSettings()
    {
        var options = new SchedulerOptions
        {
            TokenizerAddress = "http://127.0.0.1:1",
            SpeculativeConfig = """{"method": "ngram", "num_speculative_tokens": 3, "prompt_lookup_max": 4, "prompt_lookup_min": 2}""",
        };

        Assert.True(new SchedulerOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(new SpeculativeConfig(3, 2, 4), options.ToEngineOptions().Speculative);
        Assert.Null(new SchedulerOptions().ToEngineOptions().Speculative);
    }

    [Fact]
    public void SpeculativeConfig_Refused_NamesTheSettingAndTheField()
    {
        var options = new SchedulerOptions { TokenizerAddress = "http://127.0.0.1:1", SpeculativeConfig = """{"method": "medusa", "num_speculative_tokens": 3}""" };

        var result = new SchedulerOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("Scheduler:SpeculativeConfig: speculative_config: method \"medusa\" is not served here", StringComparison.Ordinal));
    }
}
