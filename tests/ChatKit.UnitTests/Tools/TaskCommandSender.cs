using ChatKit.Application.Behaviors;
using ChatKit.Application.Tasks;
using FluentValidation;
using Mediator;
using NSubstitute;

namespace ChatKit.UnitTests.Tools;

/// <summary>
/// The task commands as the mediator sends them — each through its validators, then its handler — over the given
/// service, for tests that run the tools without a host.
/// </summary>
internal static class TaskCommandSender
{
    public static ISender For(TaskService service)
    {
        var sender = Substitute.For<ISender>();
        sender.Send(Arg.Any<CreateTaskCommand>(), Arg.Any<CancellationToken>())
            .Returns(c => Through(new CreateTaskValidator(), new CreateTaskHandler(service), c.Arg<CreateTaskCommand>()));
        sender.Send(Arg.Any<UpdateTaskCommand>(), Arg.Any<CancellationToken>())
            .Returns(c => Through(new UpdateTaskValidator(), new UpdateTaskHandler(service), c.Arg<UpdateTaskCommand>()));
        sender.Send(Arg.Any<AddTagsCommand>(), Arg.Any<CancellationToken>())
            .Returns(c => Through(new AddTagsValidator(), new AddTagsHandler(service), c.Arg<AddTagsCommand>()));
        sender.Send(Arg.Any<RemoveTagsCommand>(), Arg.Any<CancellationToken>())
            .Returns(c => Through(null, new RemoveTagsHandler(service), c.Arg<RemoveTagsCommand>()));
        sender.Send(Arg.Any<DeleteTaskCommand>(), Arg.Any<CancellationToken>())
            .Returns(c => Through(null, new DeleteTaskHandler(service), c.Arg<DeleteTaskCommand>()));
        return sender;
    }

    private static ValueTask<TResponse> Through<TCommand, TResponse>(IValidator<TCommand>? validator, ICommandHandler<TCommand, TResponse> handler, TCommand command)
        where TCommand : ICommand<TResponse> =>
        new ValidationBehavior<TCommand, TResponse>(validator is null ? [] : [validator]).Handle(command, handler.Handle, CancellationToken.None);
}
