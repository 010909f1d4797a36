namespace ChatKit.Api.OpenApi;

/// <summary>
/// The action's success is a <c>text/event-stream</c> of ChatKit events (and, for the native protocol's non-streaming
/// requests, a bare ChatKit object as JSON instead of the envelope).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EventStreamAttribute : Attribute
{
    public bool OrBareJson { get; init; }
}
