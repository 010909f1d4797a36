using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Attachments;
using ChatKit.Application.Common;
using ChatKit.Domain.Attachments;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Net.Http.Headers;

namespace ChatKit.Api.Controllers;

/// <summary>
/// Attachments (docs/attachments.md): the REST one-step upload, metadata, delete; and the two links a browser follows
/// without a token — ChatKit's upload (<c>upload_descriptor.url</c>) and the content (<c>preview_url</c>) — which carry
/// their own signature. Bytes stream both ways; none is ever served as HTML from this origin.
/// </summary>
[ApiController]
[Authorize]
[Route(AttachmentLinks.Path)]
[Tags("Attachments")]
public sealed class AttachmentsController(IMediator mediator) : ControllerBase
{
    private string UserId => JwtSetup.UserId(User)!;

    [HttpPost]
    [FileUpload]
    [Produces("application/json")]
    [EndpointSummary("Upload a file in one step (multipart, field \"file\"); answers the attachment to send with a message")]
    [ProducesResponseType<AttachmentDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.StorageLimitCode, Errors.TooManyTransfersCode)]
    public async Task<IActionResult> Upload(CancellationToken ct)
    {
        var file = await UploadBody.OpenAsync(Request, multipartOnly: true, ct);
        if (!file.IsSuccess)
        {
            return ApiErrors.ToActionResult(file.Error!);
        }

        return (await mediator.Send(new UploadNewAttachmentCommand(UserId, file.Value.Name, file.Value.ContentType, file.Value.Body), ct)).ToActionResult();
    }

    [HttpGet("{attachmentId}")]
    [Produces("application/json")]
    [EndpointSummary("An attachment's metadata, with fresh signed links")]
    [ProducesResponseType<AttachmentDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.AttachmentNotFoundCode)]
    public async Task<IActionResult> Get(string attachmentId, CancellationToken ct) =>
        (await mediator.Send(new GetAttachmentQuery(UserId, attachmentId), ct)).ToActionResult();

    [HttpDelete("{attachmentId}")]
    [Produces("application/json")]
    [EndpointSummary("Delete an attachment and its bytes")]
    [ProducesResponseType<DeletedAttachmentDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.AttachmentNotFoundCode)]
    public async Task<IActionResult> Delete(string attachmentId, CancellationToken ct) =>
        (await mediator.Send(new DeleteAttachmentCommand(UserId, attachmentId), ct)).ToActionResult(_ => new DeletedAttachmentDto(true, attachmentId));

    [HttpGet("{attachmentId}/content")]
    [AllowAnonymous]
    [Produces("application/octet-stream", "application/json")]
    [EndpointSummary("An attachment's bytes: with the owner's token, or through its signed link (expires, signature) with none")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.AttachmentNotFoundCode)]
    public async Task<IActionResult> Content(string attachmentId, [FromQuery] long? expires, [FromQuery] string? signature, CancellationToken ct)
    {
        if (Credentials(expires, signature) is not { } credentials)
        {
            return Challenge();
        }

        var found = await mediator.Send(new GetAttachmentContentQuery(attachmentId, credentials), ct);
        if (!found.IsSuccess)
        {
            return ApiErrors.ToActionResult(found.Error!);
        }

        var attachment = found.Value.Attachment;
        var headers = Response.Headers;
        Response.ContentType = attachment.MimeType;
        Response.ContentLength = attachment.Size;

        // Never a page of this origin: script in an uploaded file cannot run here (sandboxed, no sources), and only a
        // raster image is shown in place; anything else is a download.
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.ContentDisposition = new ContentDispositionHeaderValue(attachment.Kind == AttachmentKind.Image ? "inline" : "attachment")
        {
            FileNameStar = attachment.Name,
        }.ToString();
        headers.CacheControl = "private, max-age=300";
        await found.Value.CopyToAsync(Response.Body, ct);
        return new EmptyResult();
    }

    [HttpPut("{attachmentId}/upload")]
    [AllowAnonymous]
    [FileUpload]
    [Produces("application/json")]
    [EndpointSummary("ChatKit's two-phase upload: the bytes of a pending attachment, raw or multipart (field \"file\"), to its signed link")]
    [ProducesResponseType<AttachmentDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.AttachmentNotFoundCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.TooManyTransfersCode)]
    public Task<IActionResult> UploadContent(string attachmentId, [FromQuery] long? expires, [FromQuery] string? signature, CancellationToken ct) =>
        UploadToLinkAsync(attachmentId, expires, signature, ct);

    [HttpPost("{attachmentId}/upload")]
    [AllowAnonymous]
    [FileUpload]
    [Produces("application/json")]
    [EndpointSummary("The same upload by POST, for clients whose upload strategy posts a form")]
    [ProducesResponseType<AttachmentDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.AttachmentNotFoundCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.TooManyTransfersCode)]
    public Task<IActionResult> PostContent(string attachmentId, [FromQuery] long? expires, [FromQuery] string? signature, CancellationToken ct) =>
        UploadToLinkAsync(attachmentId, expires, signature, ct);

    private async Task<IActionResult> UploadToLinkAsync(string attachmentId, long? expires, string? signature, CancellationToken ct)
    {
        if (Credentials(expires, signature) is not { } credentials)
        {
            return Challenge();
        }

        var file = await UploadBody.OpenAsync(Request, multipartOnly: false, ct);
        if (!file.IsSuccess)
        {
            return ApiErrors.ToActionResult(file.Error!);
        }

        return Native(await mediator.Send(new UploadAttachmentCommand(attachmentId, credentials, file.Value.Body), ct));
    }

    /// <summary>A signed link's credentials, else the token's user; null when the request has neither (a 401).</summary>
    private AttachmentCredentials? Credentials(long? expires, string? signature) =>
        signature is not null ? new AttachmentCredentials(null, expires, signature)
        : JwtSetup.UserId(User) is { } user ? AttachmentCredentials.Owner(user)
        : null;

    /// <summary>ChatKit reads the upload's answer as the bare attachment, as the reference server's upload endpoint answers.</summary>
    private static IActionResult Native(Result<AttachmentDto> result) =>
        result.IsSuccess ? new JsonResult(result.Value, Hosting.JsonDefaults.Stream) : ApiErrors.ToActionResult(result.Error!);
}

public sealed record DeletedAttachmentDto(bool Deleted, string AttachmentId);

/// <summary>
/// Marks an endpoint that takes a file: its body may be any type (not only JSON) and up to <c>ATTACHMENT_MAX_BYTES</c>
/// plus a multipart envelope, instead of the 64 KiB every other endpoint takes. MVC's form value providers are taken off
/// it: they would read a multipart body whole (spooling it to disk) before the action streams it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FileUploadAttribute : Attribute, IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var factories = context.ValueProviderFactories;
        factories.RemoveType<FormValueProviderFactory>();
        factories.RemoveType<FormFileValueProviderFactory>();
        factories.RemoveType<JQueryFormValueProviderFactory>();
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
