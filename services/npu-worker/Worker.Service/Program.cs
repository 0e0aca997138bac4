using Worker.Service;

// One worker per device: loads the model, serves inference.worker.v1.Worker over h2c gRPC.
// Listen address from --urls / ASPNETCORE_URLS; settings under "Worker" (see WorkerOptions).
var app = WorkerApp.Create(args);
app.Run();
