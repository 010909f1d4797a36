using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Domain.Attachments;
using ChatKit.Domain.Sessions;
using FluentValidation;

namespace ChatKit.Application.Attachments;

/// <summary>
/// The attachments a user message carries: before the turn, their count and form; in the turn's start transaction, with
/// the rows locked, that each is the user's, uploaded, and taken by no other message. A refusal names the id.
/// </summary>
public static class MessageAttachments
{
    /// <summary>At most <c>ATTACHMENTS_PER_MESSAGE</c>, each an <c>atc_</c> id, none twice.</summary>
    public static void AttachmentRules<T>(this AbstractValidator<T> validator, Func<T, UserInput> input, Func<T, string> field, int perMessage)
    {
        ArgumentNullException.ThrowIfNull(validator);
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            var ids = input(command).AttachmentIds;
            var name = field(command) + ".attachments";
            if (ids.Count > perMessage)
            {
                context.AddFieldFailure(name, $"a message may carry at most {perMessage} attachments ({ids.Count} were sent)");
            }
            else if (ids.FirstOrDefault(id => !Attachment.TryParseWireId(id, out _)) is { } malformed)
            {
                context.AddFieldFailure(name, NotYours(malformed));
            }
            else if (ids.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                context.AddFieldFailure(name, $"{twice.Key} is sent twice");
            }
        });
    }

    /// <summary>The locked rows checked against what was sent, in the order sent; the first refusal, or the attachments.</summary>
    public static Result<IReadOnlyList<Attachment>> Check(IReadOnlyList<string> wireIds, IReadOnlyList<Attachment> locked, string userId, string field)
    {
        ArgumentNullException.ThrowIfNull(wireIds);
        ArgumentNullException.ThrowIfNull(locked);
        var taken = new List<Attachment>(wireIds.Count);
        foreach (var wireId in wireIds)
        {
            var row = Attachment.TryParseWireId(wireId, out var id) ? locked.FirstOrDefault(a => a.Id == id) : null;
            var refusal = row switch
            {
                null => NotYours(wireId),
                _ when row.UserId != userId => NotYours(wireId),
                { Uploaded: false } => $"{wireId} is not uploaded yet",
                { MessageId: not null } => $"{wireId} is attached to another message already",
                _ => null,
            };
            if (refusal is not null)
            {
                return Errors.Invalid(field + ".attachments", refusal);
            }

            taken.Add(row!);
        }

        return taken;
    }

    private static string NotYours(string wireId) => $"{wireId} is not an attachment of yours";
}
