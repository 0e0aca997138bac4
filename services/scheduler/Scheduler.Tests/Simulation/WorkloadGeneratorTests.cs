using Inference.Cli.Simulation;

namespace Scheduler.Tests.Simulation;

public sealed class WorkloadGeneratorTests
{
    private const int MaxModelLength = 4096;

    [Fact]
    public void Next_WithTheSameSeed_GivesTheSameRequests()
    {
        var first = Generate(SimulationSetups.Workload());
        var second = Generate(SimulationSetups.Workload());

        Assert.Equal(
            first.Select(r => (r.ArrivalSeconds, string.Join(',', r.PromptTokenIds), r.OutputTokens, r.Seed)),
            second.Select(r => (r.ArrivalSeconds, string.Join(',', r.PromptTokenIds), r.OutputTokens, r.Seed)));
    }

    [Fact]
    public void Next_WithSharedPrefixShareOne_StartsEveryPromptWithASystemPrompt()
    {
        var generator = new WorkloadGenerator(SimulationSetups.Workload(sharedPrefixShare: 1, multiTurnShare: 0), MaxModelLength);

        while (generator.HasNext)
        {
            var prompt = generator.Next().PromptTokenIds;
            Assert.Contains(generator.SystemPrompts, system => prompt.AsSpan().StartsWith(system));
        }
    }

    [Fact]
    public void Next_WithSharedPrefixShareZero_StartsNoPromptWithASystemPrompt()
    {
        var generator = new WorkloadGenerator(SimulationSetups.Workload(sharedPrefixShare: 0, multiTurnShare: 0), MaxModelLength);

        while (generator.HasNext)
        {
            var prompt = generator.Next().PromptTokenIds;
            Assert.DoesNotContain(generator.SystemPrompts, system => prompt.AsSpan().StartsWith(system));
        }
    }

    [Fact]
    public void FollowUp_StartsWithAnEarlierRequestsPromptAndOutput()
    {
        var requests = Generate(SimulationSetups.Workload(multiTurnShare: 1));

        foreach (var followUp in requests.Where(r => r.IsFollowUp))
        {
            Assert.Contains(requests.Take(followUp.Index), parent =>
                followUp.PromptTokenIds.Length > parent.PromptTokenIds.Length + parent.OutputTokens &&
                followUp.PromptTokenIds.AsSpan().StartsWith(parent.ConversationSoFar()));
        }

        Assert.True(requests.Count(r => r.IsFollowUp) > requests.Length / 2);
    }

    [Fact]
    public void Next_KeepsPromptAndOutputWithinTheMaxModelLength()
    {
        // Long conversations: every request continues one, so histories pile up until they would not fit.
        var generator = new WorkloadGenerator(SimulationSetups.Workload(requests: 500, arrivalRate: 100, multiTurnShare: 1), maxModelLength: 512);

        while (generator.HasNext)
        {
            var request = generator.Next();
            Assert.InRange(request.PromptTokenIds.Length + request.OutputTokens, 2, 512);
        }
    }

    [Fact]
    public void Arrivals_AverageTheArrivalRate()
    {
        var requests = Generate(SimulationSetups.Workload(requests: 20_000, arrivalRate: 4));

        Assert.InRange(requests[^1].ArrivalSeconds / requests.Length, 0.95 / 4, 1.05 / 4);
    }

    [Fact]
    public void Lengths_AverageTheirMeans()
    {
        var requests = Generate(SimulationSetups.Workload(requests: 20_000, sharedPrefixShare: 0, multiTurnShare: 0));

        Assert.InRange(requests.Average(r => r.PromptTokenIds.Length), 0.95 * 40, 1.05 * 40);
        Assert.InRange(requests.Average(r => r.OutputTokens), 0.95 * 12, 1.05 * 12);
    }

    private static SimulatedRequest[] Generate(WorkloadOptions options)
    {
        var generator = new WorkloadGenerator(options, MaxModelLength);
        var requests = new List<SimulatedRequest>();
        while (generator.HasNext)
        {
            requests.Add(generator.Next());
        }

        return [.. requests];
    }
}
