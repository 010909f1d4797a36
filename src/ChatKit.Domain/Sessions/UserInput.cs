namespace ChatKit.Domain.Sessions;

/// <summary>
/// A user's message as a client sent it: its parts in order (text and @-mention tags), what it quotes, and the model
/// and tool chosen in the composer (null: the defaults), and the ids of the attachments it carries. Consecutive text parts are one part, joined with a newline as
/// the REST API always joined them; the message is trimmed at its two ends only, so the text around a tag keeps its
/// spaces.
/// </summary>
public sealed record UserInput
{
    private UserInput(IReadOnlyList<ContentPart> parts, string? quotedText, string? model, string? toolChoice)
    {
        AttachmentIds = [];
        Parts = parts;
        QuotedText = quotedText;
        Model = model;
        ToolChoice = toolChoice;
    }

    public IReadOnlyList<ContentPart> Parts { get; }

    public string? QuotedText { get; }

    public string? Model { get; }

    public string? ToolChoice { get; }

    /// <summary>The attachments sent with the message, by their wire ids (<c>atc_…</c>) as sent, in order.</summary>
    public IReadOnlyList<string> AttachmentIds { get; init; }

    /// <summary>The text the parts add up to (the length and storable-text rules apply to it).</summary>
    public string Text => Parts.Count == 1 ? Parts[0].Text : string.Concat(Parts.Select(p => p.Text));

    public static UserInput FromText(string text) => Of([new ContentPart(ContentPart.InputText, text)]);

    public static UserInput Of(IEnumerable<ContentPart> parts, string? quotedText = null, string? model = null, string? toolChoice = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var merged = new List<ContentPart>();
        foreach (var part in parts)
        {
            if (!part.IsTag && merged.Count > 0 && !merged[^1].IsTag)
            {
                merged[^1] = merged[^1] with { Text = merged[^1].Text + "\n" + part.Text };
            }
            else
            {
                merged.Add(part);
            }
        }

        if (merged.Count > 0 && !merged[0].IsTag)
        {
            merged[0] = merged[0] with { Text = merged[0].Text.TrimStart() };
        }

        if (merged.Count > 0 && !merged[^1].IsTag)
        {
            merged[^1] = merged[^1] with { Text = merged[^1].Text.TrimEnd() };
        }

        merged.RemoveAll(p => !p.IsTag && p.Text.Length == 0 && merged.Count > 1);
        return new UserInput(merged, string.IsNullOrEmpty(quotedText) ? null : quotedText, string.IsNullOrWhiteSpace(model) ? null : model.Trim(), string.IsNullOrWhiteSpace(toolChoice) ? null : toolChoice.Trim());
    }
}
