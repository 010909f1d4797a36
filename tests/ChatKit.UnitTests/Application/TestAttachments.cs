using ChatKit.Application.Abstractions;
using ChatKit.Application.Attachments;
using ChatKit.Application.Options;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

/// <summary>The attachment parts the engine's unit tests need: signed links with a test key, an empty store.</summary>
internal static class TestAttachments
{
    public static readonly IOptions<AttachmentOptions> Options = Microsoft.Extensions.Options.Options.Create(
        new AttachmentOptions { UrlKey = "unit-test-attachment-link-key-0123456789", PublicBaseUrl = "http://localhost" });

    public static AttachmentLinks Links { get; } = new(Options, TimeProvider.System);

    public static PromptAttachmentReader Reader(IAttachmentStore? store = null) => new(store ?? Substitute.For<IAttachmentStore>(), Options);
}
