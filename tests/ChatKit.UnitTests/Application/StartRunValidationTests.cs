using ChatKit.Api.Controllers;
using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Application.Composer;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.StartRun;
using Microsoft.Extensions.Options;

namespace ChatKit.UnitTests.Application;

public sealed class StartRunValidationTests
{
    private static readonly StartRunValidator Validator = new(
        Options.Create(new LimitsOptions { MaxMessageLength = 5 }),
        TestAttachments.Options,
        new ComposerChoices(
            TestPlans.Catalog(),
            new ChatKit.Application.Tools.Toolbox([], Microsoft.Extensions.Logging.Abstractions.NullLogger<ChatKit.Application.Tools.Toolbox>.Instance)));

    // The REST door checks its wire shape first, then the command's rules apply (the contract's order).
    private static Error? Validate(RunMessageInput? message)
    {
        if (RunRequestBodyValidator.Check(new RunRequestBody(message)) is { } shape)
        {
            return shape;
        }

        var result = Validator.Validate(new StartRunCommand("u", Guid.NewGuid().ToString(), "t", message!.Input));
        return result.IsValid ? null : ValidationErrors.ToError(result.Errors);
    }

    private static RunMessageInput Text(params string?[] parts) => new(null, parts.Select(p => new RunContentInput(null, p)).ToList());

    [Test]
    public void Validate_WhenMessageMissing_IsValidationErrorWithDetail()
    {
        var error = Validate(null);

        Assert.That(error!.Code, Is.EqualTo("VALIDATION_ERROR"));
        Assert.That(error.Details!.Single().Field, Is.EqualTo("message"));
    }

    [Test]
    public void Validate_WhenRoleIsNotUser_IsValidationError() =>
        Assert.That(Validate(new RunMessageInput("assistant", [new RunContentInput(null, "hi")]))!.Code, Is.EqualTo("VALIDATION_ERROR"));

    [Test]
    public void Validate_WhenAPartIsNull_IsValidationErrorNotACrash() =>
        Assert.That(Validate(new RunMessageInput(null, [null]))!.Code, Is.EqualTo("VALIDATION_ERROR"));

    [TestCase("")]
    [TestCase("  \n ")]
    public void Validate_WhenBlank_IsEmptyMessage(string text) =>
        Assert.That(Validate(Text(text))!.Code, Is.EqualTo("EMPTY_MESSAGE"));

    [Test]
    public void Validate_WhenOverTheLimitInCodePoints_IsMessageTooLongWithCount()
    {
        var error = Validate(Text("😀😀😀", "😀😀"));

        Assert.That(error!.Code, Is.EqualTo("MESSAGE_TOO_LONG"));
        Assert.That(error.Message, Is.EqualTo("Message exceeds 5 character limit (received 6)"));
    }

    [Test]
    public void Validate_WhenAtTheLimitAfterTrimming_IsValid() =>
        Assert.That(Validate(Text("  😀😀😀😀😀  ")), Is.Null);

    [Test]
    public async Task Behavior_WhenInvalid_AnswersFailureWithoutCallingTheHandler()
    {
        var behavior = new ValidationBehavior<StartRunCommand, Result<TurnStream>>([Validator]);
        var called = false;

        var result = await behavior.Handle(
            new StartRunCommand("u", "s", "t", string.Empty),
            (_, _) =>
            {
                called = true;
                return ValueTask.FromResult(Result<TurnStream>.Fail(Errors.RunInProgress));
            },
            CancellationToken.None);

        Assert.That(called, Is.False);
        Assert.That(result.Error!.Code, Is.EqualTo("EMPTY_MESSAGE"));
    }
}
