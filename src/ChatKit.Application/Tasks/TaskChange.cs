namespace ChatKit.Application.Tasks;

/// <summary>
/// How a task changed, by a tool call or a widget action: the data of the <c>tasks.changed</c> client effect, so a host
/// page refreshes its task list without polling.
/// </summary>
public sealed record TaskChange(Guid TaskId, string Kind)
{
    public const string Added = "added";
    public const string Updated = "updated";
    public const string Completed = "completed";
    public const string Reopened = "reopened";
    public const string Deleted = "deleted";

    public IReadOnlyDictionary<string, string> ToData() => new Dictionary<string, string> { ["task_id"] = TaskId.ToString(), ["change"] = Kind };
}
