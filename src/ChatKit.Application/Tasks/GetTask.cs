using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Tasks;

public sealed record GetTaskQuery(string UserId, string TaskId) : IQuery<Result<TaskDto>>;

public sealed class GetTaskHandler(TaskService tasks) : IQueryHandler<GetTaskQuery, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(GetTaskQuery query, CancellationToken cancellationToken) =>
        (await tasks.GetAsync(query.UserId, query.TaskId, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
