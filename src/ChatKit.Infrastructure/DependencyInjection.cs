using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.Execution;
using ChatKit.Infrastructure.Llm;
using ChatKit.Infrastructure.Options;
using ChatKit.Infrastructure.Persistence;
using ChatKit.Infrastructure.Redis;
using ChatKit.Infrastructure.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatKit.Infrastructure;

public static class DependencyInjection
{
    /// <summary>The database, the stores, the model adapter, Redis and the run log, with the options they read.</summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(string.Empty)
            .PostConfigure(o =>
            {
                if (!string.IsNullOrWhiteSpace(o.Url))
                {
                    o.ConnectionString = ConfigurationValue.Parse("DATABASE_URL", o.Url, DatabaseConnection.FromUrl);
                }

                o.SearchLanguage = o.SearchLanguage.Trim();
                if (o.ConnectionString.Length > 0 && DatabaseConnection.IsSearchLanguage(o.SearchLanguage))
                {
                    o.ConnectionString = DatabaseConnection.WithSearchLanguage(o.ConnectionString, o.SearchLanguage);
                }
            })
            .Validate(o => o.ConnectionString.Length > 0, "DATABASE_URL is required (a postgresql:// URI or an Npgsql connection string).")
            .Validate(
                o => DatabaseConnection.IsSearchLanguage(o.SearchLanguage),
                "SEARCH_LANGUAGE must name a PostgreSQL text search configuration (letters and underscores, e.g. simple, english, german).")
            .ValidateOnStart();
        services.AddOptions<LlmOptions>().BindConfiguration(string.Empty)
            .PostConfigure(o =>
            {
                // A base URL without its trailing slash would lose its last segment when paths are appended to it.
                o.BaseUrl = o.BaseUrl is null
                    ? LlmOptions.DefaultBaseUrl
                    : ConfigurationValue.Parse("OPENROUTER_BASE_URL", o.BaseUrl.OriginalString, v => new Uri(v.TrimEnd('/') + "/", UriKind.Absolute));
                o.ApiKey = string.IsNullOrWhiteSpace(o.ApiKey) ? null : o.ApiKey.Trim();
                o.Model = string.IsNullOrWhiteSpace(o.Model) ? LlmOptions.DefaultModel : o.Model.Trim();
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(string.Empty)
            .PostConfigure(o =>
            {
                o.Url = string.IsNullOrWhiteSpace(o.Url) ? null : o.Url.Trim();
                if (o.Url is not null)
                {
                    ConfigurationValue.Parse("REDIS_URL", o.Url, RedisUrl.Parse);
                }
            })
            .ValidateOnStart();

        services.AddSingleton(sp => new NpgsqlDataSourceBuilder(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString).Build());
        Rows.RegisterTypeMaps();
        services.AddSingleton<IPostConfigureOptions<Application.Options.PlanOptions>, Plans.PlansFileReader>();
        services.AddSingleton<ISessionStore, SessionStore>();
        services.AddSingleton<IAccountStore, AccountStore>();
        services.AddSingleton<IExportStore, ExportStore>();
        services.AddSingleton<ISearchStore, SearchStore>();
        services.AddSingleton<IBranchStore, BranchStore>();
        services.AddSingleton<IImportStore, ImportStore>();
        services.AddSingleton<SearchBackfill>();
        services.AddHostedService(sp => sp.GetRequiredService<SearchBackfill>());
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        services.AddSingleton<IMessageStore, MessageStore>();
        services.AddSingleton<ITurnStore, TurnStore>();
        services.AddSingleton<ITaskStore, TaskStore>();
        services.AddSingleton<IWidgetStore, WidgetStore>();
        services.AddSingleton<IUsageStore, UsageStore>();
        services.AddSingleton<IAttachmentStore, AttachmentStore>();
        services.AddSingleton<IIdempotencyStore, IdempotencyStore>();
        services.AddSingleton<AttachmentSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<AttachmentSweeper>());
        services.AddSingleton<TurnWriteQueue>();
        services.AddSingleton<ITurnWriter>(sp => sp.GetRequiredService<TurnWriteQueue>());
        services.AddHostedService(sp => sp.GetRequiredService<TurnWriteQueue>());

        services.AddSingleton<RedisConnection>();
        services.AddSingleton<MemoryRunEventLog>();
        services.AddSingleton<IRunEventLog>(sp => sp.GetRequiredService<RedisConnection>().Configured
            ? ActivatorUtilities.CreateInstance<RedisRunEventLog>(sp)
            : sp.GetRequiredService<MemoryRunEventLog>());
        services.AddSingleton<IRunSignals, RedisRunSignals>();
        services.AddHostedService<RunCancelSubscriber>();
        services.AddSingleton<DatabaseHealthCheck>(); // one probe pool for the process, not one per check
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [DatabaseHealthCheck.ReadyTag]);

        services.AddHttpClient(LlmOptions.HttpClientName, (sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
                http.Timeout = Timeout.InfiniteTimeSpan; // streams are long; the adapter enforces an idle timeout
                if (!string.IsNullOrWhiteSpace(o.SiteUrl))
                {
                    http.DefaultRequestHeaders.TryAddWithoutValidation("HTTP-Referer", o.SiteUrl);
                }

                if (!string.IsNullOrWhiteSpace(o.AppName))
                {
                    http.DefaultRequestHeaders.TryAddWithoutValidation("X-Title", o.AppName);
                }
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),

                // A stream abandoned mid-reply (client gone) must close its upstream connection now, not be
                // drained for up to two seconds in the hope of reusing it: that keeps the model generating.
                MaxResponseDrainSize = 0,
                ResponseDrainTimeout = TimeSpan.Zero,
            })
            .AddHttpMessageHandler(() => new AbortOnCancelHandler())
            .AddHttpMessageHandler(() => new ToolCallStreamNormalizer());
        services.AddSingleton<GenAiTelemetry>();
        services.AddSingleton<ChatClientModel>();
        services.AddSingleton<OfflineChatModel>();
        services.AddSingleton<IChatModel>(sp => sp.GetRequiredService<IOptions<LlmOptions>>().Value.UseOfflineModel
            ? sp.GetRequiredService<OfflineChatModel>()
            : sp.GetRequiredService<ChatClientModel>());
        return services;
    }
}
