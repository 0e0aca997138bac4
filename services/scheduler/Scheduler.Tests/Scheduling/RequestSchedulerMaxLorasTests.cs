using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

/// <summary>vLLM's max_loras: at most that many distinct LoRA adapters among a worker's running requests.</summary>
public sealed class RequestSchedulerMaxLorasTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Schedule_WithMaxLorasOne_RunsOneAdapterAtATime_AndLetsOthersPassTheOneThatWaits(bool asyncScheduling)
    {
        var h = new SchedulerHarness(loraAdapters: FakeStepExecutor.TwoAdapters, maxLoras: 1, asyncScheduling: asyncScheduling);
        var lora = new Dictionary<string, string?> { ["sql-1"] = "sql-lora", ["chat"] = "chat-lora", ["base"] = null, ["sql-2"] = "sql-lora" };
        foreach (var (id, name) in lora)
        {
            h.Scheduler.AddRequest(Requests.Make(id, promptLength: 4, maxTokens: 3, ignoreEos: true, loraName: name));
        }

        var plans = h.RunToEnd();

        // The chat adapter's request waits; the base model's and the running adapter's start past it.
        Assert.Equal(["sql-1", "base", "sql-2"], plans[0].NewRequests.Select(n => n.RequestId));
        var chatStart = plans.FindIndex(p => p.NewRequests.Any(n => n.RequestId == "chat"));
        Assert.True(chatStart > 0);
        foreach (var plan in plans)
        {
            var adapters = plan.NewRequests.Select(n => n.RequestId).Concat(plan.CachedRequests.Select(c => c.RequestId))
                .Select(id => lora[id]).OfType<string>().Distinct();
            Assert.True(adapters.Count() <= 1, $"step {plan.StepId} ran {string.Join(", ", adapters)}");
        }

        Assert.Equal(4 * 3, h.Outputs.Sum(o => o.NewTokens.Count));
    }

    [Fact]
    public void Schedule_WithoutMaxLoras_RunsEveryAdapterTogether()
    {
        var h = new SchedulerHarness(loraAdapters: FakeStepExecutor.TwoAdapters);
        h.Scheduler.AddRequest(Requests.Make("sql", promptLength: 4, maxTokens: 2, loraName: "sql-lora"));
        h.Scheduler.AddRequest(Requests.Make("chat", promptLength: 4, maxTokens: 2, loraName: "chat-lora"));

        var (plan, _) = h.Step();

        Assert.Equal(["sql", "chat"], plan.NewRequests.Select(n => n.RequestId));
    }
}
