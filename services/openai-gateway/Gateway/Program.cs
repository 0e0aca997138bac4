using Gateway;

// The wiring lives in GatewayApp so tests host the exact same application.
var app = GatewayApp.Build(args);
app.Run();
