using Scheduler.Service.Hosting;

// The wiring lives in SchedulerApp so tests host the exact same application.
SchedulerApp.Build(args).Run();
