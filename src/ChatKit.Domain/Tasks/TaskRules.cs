using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;

namespace ChatKit.Domain.Tasks;

/// <summary>A rule a task field broke: the field's name and a plain reason.</summary>
public sealed record TaskFieldError(string Field, string Message);

/// <summary>The rules of a task's fields (contract: agent-and-tasks.md), shared by the REST API and the tools.</summary>
public static class TaskRules
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 1000;
    public const int MaxTags = 10;
    public const int MaxTagLength = 50;

    public static TaskFieldError? Title(string? raw, out string title)
    {
        title = raw?.Trim() ?? string.Empty;
        return title.Length == 0 ? new("title", "title is required")
            : !StorableText.IsStorable(title) ? new("title", "title " + StorableText.UnstorableMessage)
            : SessionRules.CodePointCount(title) > MaxTitleLength ? new("title", $"title must be at most {MaxTitleLength} characters")
            : null;
    }

    public static TaskFieldError? Description(string? raw, out string description)
    {
        description = raw?.Trim() ?? string.Empty;
        return !StorableText.IsStorable(description) ? new("description", "description " + StorableText.UnstorableMessage)
            : SessionRules.CodePointCount(description) > MaxDescriptionLength
                ? new("description", $"description must be at most {MaxDescriptionLength} characters")
                : null;
    }

    public static TaskFieldError? Priority(string? raw, out TaskPriority priority)
    {
        priority = TaskPriority.Medium;
        if (raw is null)
        {
            return null;
        }

        var parsed = ParsePriority(raw);
        if (parsed is null)
        {
            return new("priority", "priority must be low, medium or high");
        }

        priority = parsed.Value;
        return null;
    }

    public static TaskPriority? ParsePriority(string raw) => raw.Trim().ToLowerInvariant() switch
    {
        "low" => TaskPriority.Low,
        "medium" => TaskPriority.Medium,
        "high" => TaskPriority.High,
        _ => null,
    };

    public static string Name(TaskPriority priority) => priority switch
    {
        TaskPriority.Low => "low",
        TaskPriority.High => "high",
        _ => "medium",
    };

    /// <summary>Trimmed, non-empty, at most 50 code points each, de-duplicated case-insensitively (first spelling kept), at most 10.</summary>
    public static TaskFieldError? Tags(IEnumerable<string?>? raw, out IReadOnlyList<string> tags)
    {
        var kept = new List<string>();
        tags = kept;
        foreach (var item in raw ?? [])
        {
            var tag = item?.Trim() ?? string.Empty;
            if (tag.Length == 0)
            {
                return new("tags", "a tag must not be empty");
            }

            if (!StorableText.IsStorable(tag))
            {
                return new("tags", "a tag " + StorableText.UnstorableMessage);
            }

            if (SessionRules.CodePointCount(tag) > MaxTagLength)
            {
                return new("tags", $"a tag must be at most {MaxTagLength} characters");
            }

            if (!kept.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                kept.Add(tag);
            }
        }

        return kept.Count > MaxTags ? new("tags", $"at most {MaxTags} tags") : null;
    }

    /// <summary><paramref name="current"/> with <paramref name="added"/> appended (those not already there, case-insensitively).</summary>
    public static TaskFieldError? AddTags(IReadOnlyList<string> current, IEnumerable<string?> added, out IReadOnlyList<string> tags) =>
        Tags(current.Concat(added), out tags);

    /// <summary><paramref name="current"/> without any of <paramref name="removed"/>, compared case-insensitively.</summary>
    public static IReadOnlyList<string> RemoveTags(IReadOnlyList<string> current, IEnumerable<string?> removed)
    {
        var drop = removed.Select(r => r?.Trim() ?? string.Empty).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return current.Where(t => !drop.Contains(t)).ToList();
    }

    public static TaskStatusFilter? ParseStatus(string? raw) => (raw?.Trim().ToLowerInvariant() ?? "all") switch
    {
        "all" or "" => TaskStatusFilter.All,
        "pending" => TaskStatusFilter.Pending,
        "completed" => TaskStatusFilter.Completed,
        _ => null,
    };
}
