using ChatKit.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddChatKit();
var app = builder.Build();

// `token` and `migrate` use the same configuration and services as the server, without starting it.
if (Cli.IsCommand(args))
{
    return await Cli.RunAsync(args, app.Services);
}

app.UseChatKit();
await app.RunAsync();
return 0;
