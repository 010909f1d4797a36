using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatKit.Application.Runs.ThreadStream;

namespace ChatKit.Api.Hosting;

public static class JsonDefaults
{
    /// <summary>snake_case, nulls written (the contract has <c>"tool_calls": null</c>), no HTML escaping of text.</summary>
    public static readonly JsonSerializerOptions Api = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>ChatKit's events and objects omit null fields, as the reference server does (one definition, in Application).</summary>
    public static readonly JsonSerializerOptions Stream = ThreadStreamJson.Options;

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.AllowTrailingCommas = false;
        o.ReadCommentHandling = JsonCommentHandling.Disallow;
        o.MaxDepth = 32;
        return o;
    }
}
