using System.Text;
using System.Text.Json;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.ThreadStream;

namespace ChatKit.Application.Runs.Recovery;

/// <summary>
/// The reply text clients saw of a run's open assistant item: the one added and not yet done, with every text delta
/// it streamed. Built from the run's events as they were sent (a takeover reads them from the shared log) or as the run
/// yields them (the checkpoints written without one).
/// </summary>
public sealed class SeenText
{
    private readonly StringBuilder _text = new();

    /// <summary>The open assistant item (null when none is open: between steps, or before the first word).</summary>
    public Guid? ItemId { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public string Text => _text.ToString();

    /// <summary>Changes since the last <see cref="Take"/> (so a checkpoint is written only when there is something new).</summary>
    public bool Changed { get; private set; }

    public void Take() => Changed = false;

    /// <summary>The seen text of a run from its events as sent (JSON).</summary>
    public static SeenText Of(IEnumerable<RunEventRecord> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var seen = new SeenText();
        foreach (var record in events)
        {
            using var json = JsonDocument.Parse(record.Json);
            var e = json.RootElement;
            switch (e.GetProperty("type").GetString())
            {
                case "thread.item.added" when IsAssistant(e, out var item):
                    seen.Open(item.GetProperty("id").GetGuid(), item.GetProperty("created_at").GetDateTime());
                    break;
                case "thread.item.done" when IsAssistant(e, out var item):
                    seen.Close(item.GetProperty("id").GetGuid());
                    break;
                case "thread.item.updated" when e.GetProperty("update") is var update
                    && update.GetProperty("type").GetString() == "assistant_message.content_part.text_delta":
                    seen.Delta(Guid.Parse(e.GetProperty("item_id").GetString()!), update.GetProperty("delta").GetString() ?? string.Empty);
                    break;
            }
        }

        return seen;
    }

    /// <summary>Follows one event as the run yields it.</summary>
    public void Observe(RunEvent e)
    {
        switch (e)
        {
            case ItemAddedEvent { Item: AssistantMessageItem item }:
                Open(item.Id, item.CreatedAt);
                break;
            case ItemDoneEvent { Item: AssistantMessageItem item }:
                Close(item.Id);
                break;
            case ItemUpdatedEvent { Update: ContentPartTextDelta delta } updated when Guid.TryParse(updated.ItemId, out var id):
                Delta(id, delta.Delta);
                break;
        }
    }

    private static bool IsAssistant(JsonElement e, out JsonElement item) =>
        e.TryGetProperty("item", out item) && item.TryGetProperty("type", out var type) && type.GetString() == "assistant_message";

    private void Open(Guid id, DateTime createdAt)
    {
        ItemId = id;
        CreatedAt = DateTime.SpecifyKind(createdAt, DateTimeKind.Utc);
        _text.Clear();
        Changed = true;
    }

    private void Close(Guid id)
    {
        if (ItemId == id)
        {
            ItemId = null;
            _text.Clear();
            Changed = true;
        }
    }

    private void Delta(Guid id, string delta)
    {
        if (ItemId == id && delta.Length > 0)
        {
            _text.Append(delta);
            Changed = true;
        }
    }
}
