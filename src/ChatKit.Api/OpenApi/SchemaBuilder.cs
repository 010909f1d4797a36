using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace ChatKit.Api.OpenApi;

/// <summary>Short constructors for the hand-written schemas (the envelopes and ChatKit's stream events).</summary>
internal static class SchemaBuilder
{
    public static OpenApiSchema Object(params (string Name, IOpenApiSchema Schema, bool Required)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
        Required = properties.Where(p => p.Required).Select(p => p.Name).ToHashSet(),
    };

    public static OpenApiSchema String(string? description = null, string? format = null) =>
        new() { Type = JsonSchemaType.String, Description = description, Format = format };

    public static OpenApiSchema Integer(string? description = null) => new() { Type = JsonSchemaType.Integer, Description = description };

    public static OpenApiSchema Boolean() => new() { Type = JsonSchemaType.Boolean };

    public static OpenApiSchema Const(string value) => new() { Type = JsonSchemaType.String, Const = value, Enum = [JsonValue.Create(value)] };

    // The model's Const is a string, which would write "true"; a one-value enum says the same with the right type.
    public static OpenApiSchema Const(bool value) => new() { Type = JsonSchemaType.Boolean, Enum = [JsonValue.Create(value)] };

    public static OpenApiSchema OneOf(string? discriminator, params IOpenApiSchema[] choices) => new()
    {
        OneOf = choices,
        Discriminator = discriminator is null ? null : new OpenApiDiscriminator { PropertyName = discriminator },
    };

    public static OpenApiSchema Enum(params string[] values) =>
        new() { Type = JsonSchemaType.String, Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList() };

    public static OpenApiSchema Array(IOpenApiSchema items) => new() { Type = JsonSchemaType.Array, Items = items };

    public static OpenApiSchema AnyObject(string? description = null) => new() { Type = JsonSchemaType.Object, Description = description };

    public static OpenApiSchema Described(string description, OpenApiSchema schema)
    {
        schema.Description = description;
        return schema;
    }

    public static (string, IOpenApiSchema, bool) Required(string name, IOpenApiSchema schema) => (name, schema, true);

    public static (string, IOpenApiSchema, bool) Optional(string name, IOpenApiSchema schema) => (name, schema, false);
}
