namespace ChatKit.Api.OpenApi;

/// <summary>
/// The action's success is a <c>text/event-stream</c> of ChatKit events. With <see cref="ChatKitProtocol"/>, the action is
/// the native protocol's endpoint: its body is a ChatKit request, and the non-streaming request types answer a bare ChatKit
/// object as JSON instead of the envelope.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EventStreamAttribute : Attribute
{
    public bool ChatKitProtocol { get; init; }
}
