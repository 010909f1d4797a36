using System.Text;
using System.Text.Json.Nodes;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Tasks;

namespace ChatKit.Application.Widgets;

/// <summary>One row of the tasks widget: the task as the widget shows it.</summary>
public sealed record WidgetTask(Guid Id, string Title, string Priority, bool Completed);

/// <summary>
/// The tasks widget a listing call showed: the tasks it lists (as they stand after the user's clicks), and their ChatKit
/// rendering — a <c>ListView</c> with one row a task, each with Complete/Reopen and Delete buttons wired to the
/// <c>tasks.*</c> actions. Stored as this snapshot and rendered here alone, so the stream, a reload and an action's answer
/// send the same JSON.
/// </summary>
public sealed record TaskListWidget(string Id, Guid SessionId, Guid MessageId, DateTime CreatedAt, IReadOnlyList<WidgetTask> Tasks)
{
    /// <summary>The most rows a widget shows (the tool's first ones, in its order).</summary>
    public const int MaxRows = 20;

    public const string IdPrefix = "wgt_";

    /// <summary>The widget of a listing call, from its result's <c>tasks</c>.</summary>
    public static TaskListWidget FromListing(Guid sessionId, Guid stepId, int index, DateTime createdAt, JsonObject result)
    {
        var tasks = (result["tasks"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(t => Guid.TryParse((string?)t["id"], out var id)
                ? new WidgetTask(id, (string?)t["title"] ?? string.Empty, (string?)t["priority"] ?? "medium", (bool?)t["completed"] ?? false)
                : null)
            .OfType<WidgetTask>()
            .Take(MaxRows)
            .ToList();
        return new TaskListWidget(StepItemId.Of(IdPrefix, stepId, index), sessionId, stepId, createdAt, tasks);
    }

    /// <summary>The widget after a change to one of its tasks: the row as the task now stands, or gone when it was deleted.</summary>
    public TaskListWidget With(Guid taskId, WidgetTask? now) => this with
    {
        Tasks = now is null
            ? Tasks.Where(t => t.Id != taskId).ToList()
            : Tasks.Select(t => t.Id == taskId ? now : t).ToList(),
    };

    public WidgetItem ToItem() => new(Id, SessionId, CreatedAt, Render(), CopyText());

    /// <summary>The list as plain text, one task a line: <c>- [ ] Buy milk (high)</c>.</summary>
    public string CopyText()
    {
        if (Tasks.Count == 0)
        {
            return "No tasks.";
        }

        var text = new StringBuilder();
        foreach (var t in Tasks)
        {
            text.Append(text.Length == 0 ? string.Empty : "\n").Append(t.Completed ? "- [x] " : "- [ ] ").Append(t.Title).Append(" (").Append(t.Priority).Append(')');
        }

        return text.ToString();
    }

    private JsonObject Render()
    {
        var rows = Tasks.Count == 0
            ? [Item(null, [new JsonObject { ["type"] = "Text", ["value"] = "You have no tasks here.", ["color"] = "secondary" }])]
            : Tasks.Select(t => Item(t.Id.ToString(), [
                Text(t),
                new JsonObject { ["type"] = "Spacer" },
                new JsonObject { ["type"] = "Badge", ["label"] = t.Priority, ["color"] = BadgeColor(t.Priority), ["variant"] = "soft" },
                Button(t.Completed ? "Reopen" : "Complete", t.Completed ? WidgetActions.Reopen : WidgetActions.Complete, t.Id, null),
                Button("Delete", WidgetActions.Delete, t.Id, "danger"),
            ])).ToArray();
        return new JsonObject { ["type"] = "ListView", ["children"] = new JsonArray(rows) };
    }

    private static JsonObject Item(string? key, JsonNode[] children)
    {
        var item = new JsonObject();
        if (key is not null)
        {
            item["key"] = key;
        }

        item["type"] = "ListViewItem";
        item["children"] = new JsonArray(children);
        item["gap"] = 2;
        item["align"] = "center";
        return item;
    }

    private static JsonObject Text(WidgetTask t)
    {
        var text = new JsonObject { ["type"] = "Text", ["value"] = t.Title };
        if (t.Completed)
        {
            text["lineThrough"] = true;
            text["color"] = "secondary";
        }

        return text;
    }

    private static JsonObject Button(string label, string action, Guid taskId, string? color)
    {
        var button = new JsonObject
        {
            ["type"] = "Button",
            ["label"] = label,
            ["onClickAction"] = new JsonObject
            {
                ["type"] = action,
                ["payload"] = new JsonObject { ["task_id"] = taskId.ToString() },
                ["handler"] = "server",
                ["loadingBehavior"] = "self",
                ["streaming"] = false,
            },
            ["size"] = "sm",
            ["variant"] = "outline",
        };
        if (color is not null)
        {
            button["color"] = color;
        }

        return button;
    }

    private static string BadgeColor(string priority) => priority switch
    {
        "high" => "danger",
        "low" => "secondary",
        _ => "warning",
    };

    /// <summary>The snapshot row as a task after a change (the list shows title, priority and whether it is done).</summary>
    public static WidgetTask Row(TaskDto task) => new(task.Id, task.Title, task.Priority, task.Completed);
}
