using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Composer;

/// <summary><c>GET /api/v1/chatkit/composer</c>: what ChatKit's <c>composer.models</c> and <c>composer.tools</c> options take.</summary>
public sealed record GetComposerQuery : IQuery<Result<ComposerDto>>;

/// <param name="Default">Whether the picker starts on it (the first of <c>MODELS</c>).</param>
public sealed record ComposerModelDto(string Id, string Label, bool Default);

public sealed record ComposerToolDto(string Id, string Label, string Icon);

public sealed record ComposerDto(IReadOnlyList<ComposerModelDto> Models, IReadOnlyList<ComposerToolDto> Tools);

public sealed class GetComposerHandler(ComposerChoices choices) : IQueryHandler<GetComposerQuery, Result<ComposerDto>>
{
    public ValueTask<Result<ComposerDto>> Handle(GetComposerQuery query, CancellationToken cancellationToken)
    {
        var models = choices.Models.Select((id, i) => new ComposerModelDto(id, Label(id), i == 0)).ToList();
        var tools = choices.Tools.Select(t => new ComposerToolDto(t.Name, Sentence(t.Name), choices.IconOf(t.Name))).ToList();
        return ValueTask.FromResult<Result<ComposerDto>>(new ComposerDto(models, tools));
    }

    /// <summary><c>openai/gpt-4o-mini</c> is shown as <c>gpt-4o-mini</c>.</summary>
    private static string Label(string model) => model[(model.LastIndexOf('/') + 1)..];

    /// <summary><c>add_task</c> is shown as <c>Add task</c>.</summary>
    private static string Sentence(string name) => char.ToUpperInvariant(name[0]) + name[1..].Replace('_', ' ');
}
