using Scheduler.Service.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.UseHttp2Only();
builder.Services.AddScheduler();

var app = builder.Build();
app.MapScheduler();
app.Run();
