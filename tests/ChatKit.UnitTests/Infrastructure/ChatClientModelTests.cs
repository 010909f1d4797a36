using System.ClientModel;
using System.ClientModel.Primitives;
using ChatKit.Infrastructure.Llm;

namespace ChatKit.UnitTests.Infrastructure;

public sealed class ChatClientModelTests
{
    [Test]
    public void Translate_Timeout_SaysHowLongItWaited() =>
        Assert.That(ChatClientModel.Translate(new OperationCanceledException(), 30)!.Message, Is.EqualTo("The model service did not answer within 30 seconds."));

    [Test]
    public void Translate_CutConnection_IsSafeText() =>
        Assert.That(ChatClientModel.Translate(new IOException("socket reset by 10.0.0.7"), 30)!.Message, Is.EqualTo("The connection to the model service was lost."));

    [Test]
    public void Translate_DataThatCouldNotBeHandledBeforeTheUpstreamAnswered_IsOurs_NotTheModels()
    {
        Assert.That(ChatClientModel.Translate(new InvalidOperationException("cannot encode"), 30, responded: false), Is.Null);
        Assert.That(ChatClientModel.Translate(new InvalidOperationException("bad chunk"), 30, responded: true)!.Message, Is.EqualTo("The model service sent data that could not be read."));
    }

    [Test]
    public void Translate_UnknownBug_IsLeftToTheCaller() =>
        Assert.That(ChatClientModel.Translate(new NullReferenceException(), 30), Is.Null);

    [Test]
    public void Translate_ErrorStatus_NamesOnlyTheStatus()
    {
        var ex = new ClientResultException("secret upstream body", new FakeResponse(503));

        Assert.That(ChatClientModel.Translate(ex, 30)!.Message, Is.EqualTo("The model service answered with status 503."));
    }

    private sealed class FakeResponse(int status) : PipelineResponse
    {
        public override int Status => status;

        public override string ReasonPhrase => "Service Unavailable";

        public override Stream? ContentStream { get; set; }

        public override BinaryData Content => BinaryData.FromString(string.Empty);

        protected override PipelineResponseHeaders HeadersCore => throw new NotSupportedException();

        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => Content;

        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Content);

        public override void Dispose()
        {
        }
    }
}
