using System.Diagnostics;
using System.Globalization;
using Inference.Abstractions.Execution;
using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;

namespace Inference.Cli.Simulation;

/// <summary>
/// A discrete-event simulation of the real engine core: one <see cref="WorkerFleet"/> (real schedulers, block
/// pools and prefix caches) over simulated workers, driven as the engine loop drives it (BuildStep on an idle
/// lane, the executor, CompleteStep) but on a virtual clock. Events are arrivals and step completions; a lane is
/// offered a new step whenever something that concerns it happens (its step ended, a request was placed on it).
/// </summary>
internal sealed class FleetSimulation
{
    private const int ArrivalEvent = -1;

    private readonly WorkloadGenerator _workload;
    private readonly WorkerFleet _fleet;
    private readonly WorkerLane[] _lanes;
    private readonly SimulatedExecutor[] _executors;
    private readonly Dictionary<WorkerLane, int> _laneIndex = [];
    private readonly StepResult?[] _stepResults;
    private readonly double[] _busySeconds;
    private readonly int[] _served;

    // Events: a lane's index when its step ends, or ArrivalEvent; ties keep the order they were queued in.
    private readonly PriorityQueue<int, (double Seconds, long Order)> _events = new();
    private readonly double[] _arrivalSeconds;
    private readonly double[] _lastTokenSeconds;
    private readonly LatencyHistogram _ttft = new();
    private readonly LatencyHistogram _interToken = new();
    private readonly LatencyHistogram _endToEnd = new();
    private readonly IProgress<int>? _progress;
    private SimulatedRequest? _nextArrival;
    private long _order;
    private double _now;
    private int _finished;
    private long _outputTokens, _prefixQueries, _prefixHits, _preemptions, _steps, _schedulerTicks;

    public FleetSimulation(WorkloadOptions workload, WorkerShape shape, CostModel cost, PlacementPolicy policy, IProgress<int>? progress = null)
    {
        _workload = new WorkloadGenerator(workload, shape.MaxModelLength);
        _fleet = new WorkerFleet(shape.ToFleetConfig(policy));
        _lanes = new WorkerLane[shape.Workers];
        _executors = new SimulatedExecutor[shape.Workers];
        for (var i = 0; i < shape.Workers; i++)
        {
            var info = new ExecutorInfo("simulated", "Qwen2ForCausalLM", SimulatedModel.VocabSize, shape.MaxModelLength,
                shape.BlockSize, shape.BlocksPerWorker, SimulatedModel.EosTokenIds, $"sim:{i}");
            _executors[i] = new SimulatedExecutor(info, cost);
            _lanes[i] = _fleet.AddWorker($"worker-{i}", $"sim-{i}", shape.BlocksPerWorker, _executors[i]);
            _laneIndex[_lanes[i]] = i;
        }

        _stepResults = new StepResult?[shape.Workers];
        _busySeconds = new double[shape.Workers];
        _served = new int[shape.Workers];
        _arrivalSeconds = new double[workload.Requests];
        _lastTokenSeconds = new double[workload.Requests];
        Array.Fill(_lastTokenSeconds, double.NaN);
        _progress = progress;
        Policy = policy;
    }

    public PlacementPolicy Policy { get; }

    /// <summary>Virtual seconds now.</summary>
    public double Now => _now;

    /// <exception cref="OperationCanceledException">Ctrl+C: checked every few thousand events.</exception>
    public SimulationResult Run(CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        QueueNextArrival();
        long events = 0;
        while (_events.TryDequeue(out var laneOrArrival, out var at))
        {
            if ((++events & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            _now = at.Seconds;
            if (laneOrArrival == ArrivalEvent)
            {
                Arrive();
            }
            else
            {
                CompleteStep(laneOrArrival);
            }
        }

        if (_finished != _arrivalSeconds.Length || _fleet.NumUnfinished != 0)
        {
            throw new InvalidOperationException(
                $"The simulation stalled: {_finished} of {_arrivalSeconds.Length} requests finished, {_fleet.NumUnfinished} left in the fleet.");
        }

        return Summarize(wall.Elapsed.TotalSeconds);
    }

    private void QueueNextArrival()
    {
        if (_workload.HasNext)
        {
            _nextArrival = _workload.Next();
            _events.Enqueue(ArrivalEvent, (_nextArrival.ArrivalSeconds, _order++));
        }
    }

    private void Arrive()
    {
        var arrival = _nextArrival!;
        var request = new EngineRequest(
            arrival.Index.ToString(CultureInfo.InvariantCulture),
            arrival.PromptTokenIds,
            new SamplingParams(Seed: arrival.Seed),
            new StoppingCriteria(arrival.OutputTokens, IgnoreEos: true));
        _arrivalSeconds[arrival.Index] = arrival.ArrivalSeconds;

        var started = Stopwatch.GetTimestamp();
        _fleet.Add(request);
        _schedulerTicks += Stopwatch.GetTimestamp() - started;

        QueueNextArrival();
        TryStartStep(_laneIndex[_fleet.LaneOf(request.RequestId)!]);
    }

    private void TryStartStep(int lane)
    {
        var started = Stopwatch.GetTimestamp();
        var plan = _fleet.BuildStep(_lanes[lane]);
        _schedulerTicks += Stopwatch.GetTimestamp() - started;
        if (plan is null)
        {
            return;
        }

        // The counts of the step just built, as the engine loop reads them for its stats line.
        var stats = _lanes[lane].Scheduler.LastStepStats;
        _prefixQueries += stats.PrefixCacheQueries;
        _prefixHits += stats.PrefixCacheHits;
        _preemptions += stats.NumPreemptions;

        var result = _executors[lane].Execute(plan);
        var seconds = result.Timings.TotalNs / 1e9;
        _stepResults[lane] = result;
        _busySeconds[lane] += seconds;
        _steps++;
        _events.Enqueue(lane, (_now + seconds, _order++));
    }

    private void CompleteStep(int lane)
    {
        var result = _stepResults[lane]!;
        _stepResults[lane] = null;
        var started = Stopwatch.GetTimestamp();
        var outputs = _fleet.CompleteStep(_lanes[lane], result);
        _schedulerTicks += Stopwatch.GetTimestamp() - started;

        foreach (var output in outputs)
        {
            Record(lane, output);
        }

        TryStartStep(lane);
    }

    private void Record(int lane, EngineOutput output)
    {
        var index = int.Parse(output.RequestId, CultureInfo.InvariantCulture);
        if (output.NewTokens.Count > 0)
        {
            _outputTokens += output.NewTokens.Count;
            var last = _lastTokenSeconds[index];
            if (double.IsNaN(last))
            {
                _ttft.Add(_now - _arrivalSeconds[index]);
            }
            else
            {
                _interToken.Add(_now - last);
            }

            _lastTokenSeconds[index] = _now;
        }

        if (output.Finish is not null)
        {
            _endToEnd.Add(_now - _arrivalSeconds[index]);
            _served[lane]++;
            _finished++;
            _progress?.Report(_finished);
        }
    }

    private SimulationResult Summarize(double wallSeconds)
    {
        var seconds = _now;
        var schedulerSeconds = (double)_schedulerTicks / Stopwatch.Frequency;
        return new SimulationResult(
            PolicyNames.Of(Policy),
            _finished,
            seconds,
            _outputTokens,
            _outputTokens / seconds,
            _finished / seconds,
            Percentiles.Of(_ttft),
            Percentiles.Of(_interToken),
            Percentiles.Of(_endToEnd),
            _prefixQueries,
            _prefixHits,
            _prefixQueries == 0 ? 0 : (double)_prefixHits / _prefixQueries,
            Spread.Of(_served.Select(s => (double)s).ToArray()),
            Spread.Of(_busySeconds.Select(b => b / seconds).ToArray()),
            _preemptions,
            _steps,
            _steps == 0 ? 0 : schedulerSeconds * 1e6 / _steps,
            schedulerSeconds,
            wallSeconds);
    }
}
