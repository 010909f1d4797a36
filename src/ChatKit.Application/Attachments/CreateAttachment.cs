using ChatKit.Application.Abstractions;
using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Domain.Attachments;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Attachments;

/// <summary>ChatKit's <c>attachments.create</c>: a pending attachment and the signed link its bytes go to; nothing else is stored.</summary>
public sealed record CreateAttachmentCommand(string UserId, string? Name, long? Size, string? MimeType) : ICommand<Result<AttachmentDto>>
{
    /// <summary>Where the fields are in the door's request (<c>params.</c> in the native protocol).</summary>
    public string FieldPrefix { get; init; } = string.Empty;
}

public sealed class CreateAttachmentValidator : AbstractValidator<CreateAttachmentCommand>
{
    public CreateAttachmentValidator(IOptions<AttachmentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RuleFor(c => c).Custom((c, context) =>
        {
            if (string.IsNullOrWhiteSpace(c.Name))
            {
                context.AddFieldFailure(c.FieldPrefix + "name", "name is required");
            }
            else if (c.Size is not >= 0)
            {
                context.AddFieldFailure(c.FieldPrefix + "size", "size must be a whole number of bytes, 0 or more");
            }
            else if (!AttachmentTypeRules.Allows(options.Value, c.MimeType))
            {
                context.AddFieldFailure(c.FieldPrefix + "mime_type", AttachmentTypeRules.Refusal(options.Value));
            }
        });
    }
}

public sealed class CreateAttachmentHandler(
    IAttachmentStore store, AttachmentLinks links, IOptions<AttachmentOptions> options, TimeProvider clock, Plans.PlanCatalog plans)
    : ICommandHandler<CreateAttachmentCommand, Result<AttachmentDto>>
{
    public async ValueTask<Result<AttachmentDto>> Handle(CreateAttachmentCommand command, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (command.Size > o.MaxBytes)
        {
            return Errors.FileTooLarge(o.MaxBytes);
        }

        var attachment = new Attachment(
            Guid.CreateVersion7(), command.UserId, AttachmentTypes.CleanName(command.Name), command.MimeType!.ToLowerInvariant(), command.Size!.Value, clock.GetUtcNow().UtcDateTime);
        return await store.TryCreateAsync(attachment, plans.Current.AttachmentBytes, cancellationToken).ConfigureAwait(false)
            ? links.ToDto(attachment)
            : Errors.StorageLimit(plans.Current.AttachmentBytes);
    }
}

/// <summary>Which MIME types <c>ATTACHMENT_TYPES</c> lets in, and the refusal that names them.</summary>
public static class AttachmentTypeRules
{
    public static bool Allows(AttachmentOptions options, string? mimeType)
    {
        ArgumentNullException.ThrowIfNull(options);
        return mimeType is { Length: > 0 } type && options.TypeList.Contains(type.ToLowerInvariant(), StringComparer.Ordinal);
    }

    public static string Refusal(AttachmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"mime_type must be one of {string.Join(", ", options.TypeList)}";
    }
}
