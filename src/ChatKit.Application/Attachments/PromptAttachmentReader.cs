using System.Text;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Domain.Attachments;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Attachments;

/// <summary>
/// Reads what the model gets of each attachment of a prompt, just before the call: an image's bytes, a text file's first
/// <c>ATTACHMENT_TEXT_MAX_CHARS</c> characters (the rest cut with a marker), a line naming any other file. A prompt
/// without attachments is handed back as it is, with no read.
/// </summary>
public sealed class PromptAttachmentReader(IAttachmentStore store, IOptions<AttachmentOptions> options)
{
    public async Task<ChatPrompt> LoadAsync(ChatPrompt prompt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Messages.All(m => m.Attachments.All(a => a.IsLoaded)))
        {
            return prompt;
        }

        var messages = new List<PromptMessage>(prompt.Messages.Count);
        foreach (var m in prompt.Messages)
        {
            if (m.Attachments.All(a => a.IsLoaded))
            {
                messages.Add(m);
                continue;
            }

            var loaded = new List<PromptAttachment>(m.Attachments.Count);
            foreach (var a in m.Attachments)
            {
                loaded.Add(a.IsLoaded ? a : await ReadAsync(a, ct).ConfigureAwait(false));
            }

            messages.Add(m with { Attachments = loaded });
        }

        return prompt with { Messages = messages };
    }

    private async Task<PromptAttachment> ReadAsync(PromptAttachment a, CancellationToken ct)
    {
        var header = $"[Attached file: {a.Name} ({a.MimeType}, {Errors.Bytes(a.Size)})]";
        if (AttachmentTypes.IsImage(a.MimeType))
        {
            var bytes = await store.ReadAsync(a.Id, a.Size, ct).ConfigureAwait(false);
            return bytes.Length == a.Size && bytes.Length > 0
                ? a with { Image = bytes }
                : a with { Text = header + " It was deleted." };
        }

        if (!AttachmentTypes.IsText(a.MimeType))
        {
            return a with { Text = header + " Its content cannot be read here; only its name and size are known." };
        }

        // UTF-8 takes at most 4 bytes a character: this many bytes always hold the characters the model may read.
        var max = options.Value.TextMaxChars;
        var head = await store.ReadAsync(a.Id, Math.Min(a.Size, 4L * max), ct).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(head);
        var cut = text.Length > max || head.Length < a.Size;
        if (text.Length > max)
        {
            text = text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];
        }

        return a with
        {
            Text = header + "\n" + text + (cut ? $"\n[… cut here: the file is longer than the {max} characters read]" : string.Empty),
        };
    }
}
