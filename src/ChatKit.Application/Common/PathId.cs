namespace ChatKit.Application.Common;

/// <summary>
/// The one place an id from a path (or a model's tool arguments) becomes a <see cref="Guid"/>: one that is not a
/// UUID is the same 404 as one that does not exist, so ids cannot be probed.
/// </summary>
public static class PathId
{
    public static Result<Guid> Parse(string raw, Func<string, Error> notFound)
    {
        ArgumentNullException.ThrowIfNull(notFound);
        return Guid.TryParse(raw, out var id) ? id : notFound(raw);
    }
}
