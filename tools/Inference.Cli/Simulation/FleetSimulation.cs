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

    private readonly PlacementPolicy _policy;
    private readonly int _numRequests;
    private readonly WorkloadGenerator _workload;
    private readonly WorkerFleet _fleet;
    private readonly WorkerLane[] _lanes;
    private readonly SimulatedExecutor[] _executors;
    private readonly Dictionary<WorkerLane, int> _laneIndex = [];
    private readonly StepResult?[] _stepResults;
    private readonly SimulationMetrics _metrics;
    private readonly IProgress<int>? _progress;

    // Events: a lane's index when its step ends, or ArrivalEvent; ties keep the order they were queued in.
    private readonly PriorityQueue<int, (double Seconds, long Order)> _events = new();
    private SimulatedRequest? _nextArrival;
    private long _order;
    private double _now;

    public FleetSimulation(WorkloadOptions workload, WorkerShape shape, CostModel cost, PlacementPolicy policy, IProgress<int>? progress = null)
    {
        _policy = policy;
        _numRequests = workload.Requests;
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
        _metrics = new SimulationMetrics(workload.Requests, shape.Workers);
        _progress = progress;
    }

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

        if (_metrics.Finished != _numRequests || _fleet.NumUnfinished != 0)
        {
            throw new InvalidOperationException(
                $"The simulation stalled: {_metrics.Finished} of {_numRequests} requests finished, {_fleet.NumUnfinished} left in the fleet.");
        }

        return _metrics.ToResult(PolicyNames.Of(_policy), _now, wall.Elapsed.TotalSeconds);
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
        _metrics.Arrived(arrival);

        var started = Stopwatch.GetTimestamp();
        _fleet.Add(request);
        _metrics.InScheduler(Stopwatch.GetTimestamp() - started);

        QueueNextArrival();
        TryStartStep(_laneIndex[_fleet.LaneOf(request.RequestId)!]);
    }

    private void TryStartStep(int lane)
    {
        var started = Stopwatch.GetTimestamp();
        var plan = _fleet.BuildStep(_lanes[lane]);
        _metrics.InScheduler(Stopwatch.GetTimestamp() - started);
        if (plan is null)
        {
            return;
        }

        // The worker answers at once; its timings say when, on the virtual clock, the answer arrives.
        var result = _executors[lane].Execute(plan);
        var seconds = result.Timings.TotalNs / 1e9;
        _metrics.StepStarted(lane, _lanes[lane].Scheduler.LastStepStats, seconds);
        _stepResults[lane] = result;
        _events.Enqueue(lane, (_now + seconds, _order++));
    }

    private void CompleteStep(int lane)
    {
        var result = _stepResults[lane]!;
        _stepResults[lane] = null;
        var started = Stopwatch.GetTimestamp();
        var outputs = _fleet.CompleteStep(_lanes[lane], result);
        _metrics.InScheduler(Stopwatch.GetTimestamp() - started);

        var finishedBefore = _metrics.Finished;
        foreach (var output in outputs)
        {
            _metrics.Output(lane, output, _now);
        }

        if (_metrics.Finished != finishedBefore)
        {
            _progress?.Report(_metrics.Finished);
        }

        TryStartStep(lane);
    }
}
