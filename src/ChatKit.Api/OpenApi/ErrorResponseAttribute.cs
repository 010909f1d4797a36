namespace ChatKit.Api.OpenApi;

/// <summary>
/// An error an action can answer, with the codes its envelope can carry; the API description lists them per response.
/// The errors every endpoint shares (401, 413, 415, 429, 500, 503) are added by <see cref="EnvelopeOperationTransformer"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
public sealed class ErrorResponseAttribute(int status, params string[] codes) : Attribute
{
    public int Status { get; } = status;

    public IReadOnlyList<string> Codes { get; } = codes;
}
