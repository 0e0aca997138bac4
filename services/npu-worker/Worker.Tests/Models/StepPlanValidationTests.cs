using Inference.Abstractions.Execution;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

[Collection(TinyModelCollection.Name)]
public sealed class StepPlanValidationTests(TinyModelFixture model)
{
    [Fact]
    public async Task CachedRequest_Unknown_ThrowsNamingIt()
    {
        var plan = Steps.Plan(0, cached: [new CachedRequestData("ghost", [], 0, 1)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("ghost", error.Message);
        Assert.Contains("unknown", error.Message);
    }

    [Fact]
    public async Task NewRequest_BlockOutOfRange_ThrowsNamingLimit()
    {
        var plan = Steps.Plan(0, [Steps.NewRequest("bad-block", [1, 2], [64], 2)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("block id 64 is outside [0, 64)", error.Message);
        Assert.Equal(0, model.Runner.NumRequests);
    }

    [Fact]
    public async Task NewRequest_TooFewBlocks_Throws()
    {
        var plan = Steps.Plan(0, [Steps.NewRequest("short", Enumerable.Range(1, 20).ToArray(), [0], 20)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("need 2 blocks", error.Message);
    }

    [Fact]
    public async Task NewRequest_TokenOutsideVocab_Throws()
    {
        var plan = Steps.Plan(0, [Steps.NewRequest("vocab", [151936], [0], 1)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("token_ids[0] = 151936", error.Message);
    }

    [Fact]
    public async Task CachedRequest_NumComputedMismatch_ThrowsAndKeepsState()
    {
        await Steps.Run(model.Runner, Steps.Plan(0, [Steps.NewRequest("mismatch", [1, 2, 3], [0], 3)]));
        try
        {
            var plan = Steps.Plan(1, cached: [new CachedRequestData("mismatch", [], 2, 1)]);
            var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
            Assert.Contains("num_computed_tokens is 2 but the worker has computed 3", error.Message);
            var decode = await Steps.Run(model.Runner, Steps.Plan(2, cached: [new CachedRequestData("mismatch", [], 3, 1)]));
            Assert.Single(decode.Sampled);
        }
        finally
        {
            await Steps.Run(model.Runner, Steps.Plan(3, finished: ["mismatch"]));
        }
    }

    [Fact]
    public async Task ScheduledBeyondKnownTokens_Throws()
    {
        var plan = Steps.Plan(0, [Steps.NewRequest("over", [1, 2], [0], 3)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("exceeds the 2 known tokens", error.Message);
    }

    [Fact]
    public async Task PrefixCacheHit_ComputesOnlyNewTokens_SameAsFullPrefill()
    {
        int[] prompt = [9707, 11, 1879, 0, 40, 1079];
        var full = await Steps.Run(model.Runner, Steps.Plan(0, [Steps.NewRequest("full", prompt, [0], 6)]));
        // A second request reuses block 0 (positions 0..3 are identical) and computes only 4..5 into block 1.
        int[] shared = [9707, 11, 1879, 0, 40, 1079];
        var sharedBlocksRunner = model.Runner;
        await Steps.Run(sharedBlocksRunner, Steps.Plan(1, finished: ["full"]));
        var hit = await Steps.Run(sharedBlocksRunner, Steps.Plan(2, [Steps.NewRequest("hit", shared, [0], 2, computed: 4)]));
        await Steps.Run(sharedBlocksRunner, Steps.Plan(3, finished: ["hit"]));
        Assert.Equal(2, hit.NumTokens);
        Assert.Equal(full.Sampled[0].TokenId, hit.Sampled[0].TokenId);
    }

    [Fact]
    public async Task EmbeddingRequest_ScheduledAfterItsEmbedding_ThrowsAndStaysHeldUntilFinished()
    {
        var pooling = new PoolingParams(Normalize: true);
        var embedded = await Steps.Run(model.Runner, Steps.Plan(0, [Steps.EmbedRequest("pooled", [1, 2, 3], [0], 3, pooling)]));
        try
        {
            Assert.Single(embedded.Pooled ?? []);
            var plan = Steps.Plan(1, cached: [new CachedRequestData("pooled", [], 3, 0)]);
            var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
            Assert.Contains("request pooled: is an embedding request whose embedding was already computed", error.Message);
            Assert.Equal(1, model.Runner.NumRequests);
        }
        finally
        {
            await Steps.Run(model.Runner, Steps.Plan(2, finished: ["pooled"]));
        }

        Assert.Equal(0, model.Runner.NumRequests);
    }

    [Fact]
    public async Task EmbeddingRequest_DimensionsBeyondHiddenSize_ThrowsNamingLimit()
    {
        var plan = Steps.Plan(0, [Steps.EmbedRequest("wide", [1, 2], [0], 2, new PoolingParams(Normalize: true, Dimensions: 65))]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("pooling dimensions must be in [1, 64], got 65", error.Message);
        Assert.Equal(0, model.Runner.NumRequests);
    }

    [Fact]
    public async Task EmbeddingRequest_AllTokensComputed_ThrowsAsItsLastTokenMustRun()
    {
        var plan = Steps.Plan(0, [Steps.EmbedRequest("cached", [1, 2], [0], 0, new PoolingParams(Normalize: true), computed: 2)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, plan));
        Assert.Contains("leaves none of its 2 tokens to run", error.Message);
    }
}
