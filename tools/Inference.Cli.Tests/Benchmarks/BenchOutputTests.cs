using System.Text.Json;
using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

public sealed class BenchOutputTests
{
    private static readonly MachineLimits Machine = new("Test CPU", "avx2 fma", 2, new ReadBandwidth(20e9, 256 << 20, HugePages: true), new FmaPeak(100e9, 100e9, null));
    private static readonly BenchShape Shape = new(128, 32, 16, 1);

    /// <summary>500 weights (the LM head 100 of them), one layer, 8 query values.</summary>
    private static readonly ModelCost Cost = new(LayerMatrixWeights: 400, LmHeadWeights: 100, QueryDim: 8, Layers: 1);

    private static readonly BenchResult[] Results =
    [
        new("ours", "bf16", 160, 20, 90, 80, 100, 80, 0.8, 19.8, 0.99, 45, 0.45, "Vector256", Decode1BesideFraction: 0.87),
        new("llama.cpp", "f16", 160, 40, 45, null, null, 80, 0.8, 39.6, 1.98, 22.5, 0.225, "AVX2 = 1"),
    ];

    [Fact]
    public void Json_IsAListWithTheNamedFieldsPerEngineAndFormat()
    {
        using var json = JsonDocument.Parse(BenchJson.Serialize(Machine, Shape, "/m", Results));
        var entries = json.RootElement.EnumerateArray().ToArray();

        Assert.Equal(["ours", "llama.cpp"], entries.Select(e => e.GetProperty("engine").GetString()));
        Assert.Equal(["bf16", "f16"], entries.Select(e => e.GetProperty("format").GetString()));
        Assert.Equal(160, entries[0].GetProperty("prefill_tps").GetDouble());
        Assert.Equal(20, entries[0].GetProperty("decode1_tps").GetDouble());
        Assert.Equal(90, entries[0].GetProperty("decode16_tps").GetDouble());
        Assert.Equal(0.45, entries[0].GetProperty("decode16_peak_fraction").GetDouble());
        Assert.Equal(80, entries[0].GetProperty("e2e16_tps").GetDouble());
        Assert.Equal(100, entries[0].GetProperty("e2e16_in_process_tps").GetDouble());
    }

    [Fact]
    public void Json_LeavesE2eOutForLlamaCpp()
    {
        using var json = JsonDocument.Parse(BenchJson.Serialize(Machine, Shape, "/m", Results));
        Assert.False(json.RootElement[1].TryGetProperty("e2e16_tps", out _));
    }

    [Fact]
    public void Table_PrintsOursOverLlamaCppRatios()
    {
        string table = BenchReport.Format(Machine, Shape, Results);
        Assert.Contains("ours bf16 / llama.cpp f16: prefill 1.00x, decode1 0.50x, decode16 2.00x", table);
    }

    [Fact]
    public void Table_SaysWhichPagesAndStreamsTheBandwidthWasReadThrough()
    {
        string table = BenchReport.Format(Machine, Shape, Results);
        Assert.Contains("read bandwidth 20.0 GB/s (256 MiB buffer, 2 MiB pages, 1 stream per thread)", table);
        Assert.Contains("(256 MiB buffer, 4 KiB pages, 4 streams per thread)",
            BenchReport.Format(Machine with { Bandwidth = Machine.Bandwidth with { HugePages = false, StreamsPerThread = 4 } }, Shape, Results));
        Assert.Contains("(256 MiB buffer, 2 MiB pages, 8 streams per thread, prefetched)",
            BenchReport.Format(Machine with { Bandwidth = Machine.Bandwidth with { StreamsPerThread = 8, Prefetched = true } }, Shape, Results));
    }

    [Fact]
    public void Table_SetsEndToEndAgainstTheInProcessRoundsBetweenIt()
    {
        string table = BenchReport.Format(Machine, Shape, Results);
        Assert.Contains("ours bf16 end to end: 80% of its in-process 16-sequence decode in the rounds between (100.0 tok/s)", table);
    }

    [Fact]
    public void FromThroughput_SetsDecodeBytesAgainstBandwidth()
    {
        var result = BenchResult.From("ours", "bf16", new EngineThroughput(10, 2e7, 30), null, null, Cost, Shape, Machine, "");

        // 500 weights x 2 bytes x 2e7 tokens/s = 20 GB/s, all of the 20 GB/s measured.
        Assert.Equal(20, result.Decode1GigabytesPerSecond, 9);
        Assert.Equal(1.0, result.Decode1BandwidthFraction, 9);
    }

    [Fact]
    public void FromThroughput_SetsDecodeBytesAgainstTheBandwidthBesideItsRound()
    {
        var beside = new ReadBandwidth(25e9, 256 << 20, HugePages: true);
        var result = BenchResult.From("ours", "bf16", new EngineThroughput(10, 2e7, 30, beside), null, null, Cost, Shape, Machine, "");

        // 20 GB/s read against the 25 GB/s measured beside the round, and against the run's 20 GB/s limit.
        Assert.Equal(0.8, result.Decode1BesideFraction!.Value, 9);
        Assert.Equal(1.0, result.AgainstLimits(Machine).Decode1BandwidthFraction, 9);
        Assert.Null(BenchResult.From("ours", "bf16", new EngineThroughput(10, 2e7, 30), null, null, Cost, Shape, Machine, "").Decode1BesideFraction);
    }

    [Fact]
    public void FromThroughput_SetsSixteenSequenceDecodeFlopsAgainstThePeak()
    {
        var result = BenchResult.From("ours", "bf16", new EngineThroughput(10, 2e7, 1e7), null, null, Cost, Shape, Machine, "");

        // Per token 2 x 500 weights + 4 x 8 x 1 x (128 + 33 / 2) attention = 5624 FLOP; 1e7 tokens/s = 56.24 GFLOP/s of 100.
        Assert.Equal(56.24, result.Decode16Gflops, 9);
        Assert.Equal(0.5624, result.Decode16PeakFraction, 9);
        Assert.Equal(0.5624, result.AgainstLimits(Machine).Decode16PeakFraction, 9);
    }

    [Fact]
    public void Table_PrintsDecode16AgainstThePeak()
    {
        string table = BenchReport.Format(Machine, Shape, Results);
        var ours = table.Split('\n').Single(line => line.StartsWith("ours       bf16", StringComparison.Ordinal));
        Assert.Contains("           90.0         45%        80.0", ours);
    }

    [Fact]
    public void Table_PrintsBothBandwidthFractions()
    {
        string table = BenchReport.Format(Machine, Shape, Results);
        var ours = table.Split('\n').Single(line => line.StartsWith("ours       bf16", StringComparison.Ordinal));
        var peer = table.Split('\n').Single(line => line.StartsWith("llama.cpp  f16", StringComparison.Ordinal));

        Assert.Contains(" 99%      87% ", ours);
        Assert.Contains(" 198%        - ", peer);
        Assert.Contains("% beside: against the better of the windows just before and after its round", table);
    }
}
