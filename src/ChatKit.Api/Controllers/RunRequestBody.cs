using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using FluentValidation;

namespace ChatKit.Api.Controllers;

/// <summary>A content part: <c>input_text</c>, or an @-mention <c>input_tag</c> with its id (and data, group, interactive as ChatKit sends them).</summary>
public sealed record RunContentInput(
    string? Type, string? Text, string? Id = null, System.Text.Json.JsonElement? Data = null, string? Group = null, bool? Interactive = null)
{
    public ContentPart ToPart() => Type == ContentPart.InputTag
        ? new ContentPart(ContentPart.InputTag, Text ?? string.Empty)
        {
            Id = Id,
            Data = Data is { ValueKind: System.Text.Json.JsonValueKind.Object } data ? data : ContentPart.EmptyData,
            Group = Group,
            Interactive = Interactive ?? false,
        }
        : new ContentPart(ContentPart.InputText, Text ?? string.Empty);
}

public sealed record RunToolChoice(string? Id);

/// <summary>The composer's choices for the turn, as ChatKit's <c>inference_options</c>: a model of <c>MODELS</c>, a tool to call first.</summary>
public sealed record RunInferenceOptions(string? Model, RunToolChoice? ToolChoice);

public sealed record RunMessageInput(
    string? Role, IReadOnlyList<RunContentInput?>? Content, RunInferenceOptions? InferenceOptions = null, IReadOnlyList<string?>? Attachments = null)
{
    /// <summary>The message as sent: its parts (text joined with a newline and trimmed), the composer's choices, its attachments' ids.</summary>
    public UserInput Input => UserInput.Of(
        (Content ?? []).Select(c => c?.ToPart() ?? new ContentPart(ContentPart.InputText, string.Empty)), null, InferenceOptions?.Model, InferenceOptions?.ToolChoice?.Id)
        with
    { AttachmentIds = (Attachments ?? []).Select(a => a ?? string.Empty).ToList() };
}

/// <summary>
/// The REST run body: <c>{"message": {"role"?: "user", "content": [{"type"?: "input_text", "text"}], "attachments"?: ["atc_…"],
/// "inference_options"?: {"model"?, "tool_choice"?: {"id"}}}, "background"?: bool}</c>.
/// </summary>
public sealed record RunRequestBody(RunMessageInput? Message, bool? Background = null);

/// <summary>
/// The REST wire shape of a message, checked before the turn's own rules (empty, too long, storable), which hold
/// for every protocol and live with the command.
/// </summary>
public sealed class RunRequestBodyValidator : AbstractValidator<RunRequestBody>
{
    public static readonly RunRequestBodyValidator Instance = new();

    public RunRequestBodyValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(b => b.Message).NotNull().WithMessage("message is required");
        RuleFor(b => b.Message!.Role).Must(r => r is null or "user").WithMessage("role must be \"user\"");
        RuleFor(b => b.Message!.Content).NotEmpty().WithMessage("content must hold at least one part");
        RuleForEach(b => b.Message!.Content).NotNull().WithMessage("a content part must be an object")
            .Must(p => p!.Type is null or ContentPart.InputText or ContentPart.InputTag).WithMessage("type must be \"input_text\" or \"input_tag\"")
            .Must(p => p!.Text is not null).WithMessage("text is required")
            .Must(p => p!.Type != ContentPart.InputTag || !string.IsNullOrEmpty(p.Id)).WithMessage("an input_tag needs its id")
            .Must(p => p!.Data is null or { ValueKind: System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Null })
            .WithMessage("an input_tag's data must be an object");
    }

    /// <summary>The shape error to answer, or null when the body is well formed.</summary>
    public static Error? Check(RunRequestBody body)
    {
        var result = Instance.Validate(body);
        return result.IsValid ? null : ValidationErrors.ToError(result.Errors);
    }
}
