using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using FluentValidation;

namespace ChatKit.Api.Controllers;

public sealed record RunContentInput(string? Type, string? Text);

public sealed record RunToolChoice(string? Id);

/// <summary>The composer's choices for the turn, as ChatKit's <c>inference_options</c>: a model of <c>MODELS</c>, a tool to call first.</summary>
public sealed record RunInferenceOptions(string? Model, RunToolChoice? ToolChoice);

public sealed record RunMessageInput(string? Role, IReadOnlyList<RunContentInput?>? Content, RunInferenceOptions? InferenceOptions = null)
{
    /// <summary>The message as sent: its <c>input_text</c> parts, joined with a newline and trimmed, and the composer's choices.</summary>
    public UserInput Input => UserInput.Of(
        (Content ?? []).Select(c => new ContentPart(ContentPart.InputText, c?.Text ?? string.Empty)), null, InferenceOptions?.Model, InferenceOptions?.ToolChoice?.Id);
}

/// <summary>
/// The REST run body: <c>{"message": {"role"?: "user", "content": [{"type"?: "input_text", "text"}], "inference_options"?:
/// {"model"?, "tool_choice"?: {"id"}}}, "background"?: bool}</c>.
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
            .Must(p => p!.Type is null or ContentPart.InputText).WithMessage("type must be \"input_text\"")
            .Must(p => p!.Text is not null).WithMessage("text is required");
    }

    /// <summary>The shape error to answer, or null when the body is well formed.</summary>
    public static Error? Check(RunRequestBody body)
    {
        var result = Instance.Validate(body);
        return result.IsValid ? null : ValidationErrors.ToError(result.Errors);
    }
}
