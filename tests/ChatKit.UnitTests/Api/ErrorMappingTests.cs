using System.Net.Sockets;
using ChatKit.Api.ErrorHandling;
using ChatKit.Application.Common;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace ChatKit.UnitTests.Api;

public sealed class ErrorMappingTests
{
    [TestCase(ErrorKind.Validation, 400)]
    [TestCase(ErrorKind.NotFound, 404)]
    [TestCase(ErrorKind.Forbidden, 403)]
    [TestCase(ErrorKind.Conflict, 409)]
    [TestCase(ErrorKind.LimitExceeded, 429)]
    [TestCase(ErrorKind.Gone, 410)]
    [TestCase(ErrorKind.Unavailable, 503)]
    public void StatusOf_MapsEachKindToOneStatus(ErrorKind kind, int status) =>
        Assert.That(ApiErrors.StatusOf(kind), Is.EqualTo(status));

    [Test]
    public void StatusOf_UnreachableDatabase_Is503() =>
        Assert.That(ExceptionMapping.StatusOf(new NpgsqlException("down", new SocketException())), Is.EqualTo(503));

    [Test]
    public void StatusOf_ABugInAQuery_Is500() =>
        Assert.That(ExceptionMapping.StatusOf(new PostgresException("syntax", "ERROR", "ERROR", "42601")), Is.EqualTo(500));

    [Test]
    public void StatusOf_OversizedBody_KeepsKestrelsStatus() =>
        Assert.That(ExceptionMapping.StatusOf(new BadHttpRequestException("big", 413)), Is.EqualTo(413));

    [TestCase(413, "PAYLOAD_TOO_LARGE")]
    [TestCase(415, "UNSUPPORTED_MEDIA_TYPE")]
    [TestCase(405, "METHOD_NOT_ALLOWED")]
    [TestCase(429, "RATE_LIMITED")]
    [TestCase(500, "INTERNAL_ERROR")]
    public void Describe_GivesTheContractCode(int status, string code) =>
        Assert.That(ApiErrors.Describe(status).Code, Is.EqualTo(code));
}
