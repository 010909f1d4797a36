using ChatKit.Application.Common;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.ErrorHandling;

public static class ResultMapping
{
    /// <summary>Success → 200 with the envelope; an expected failure → its status with the error envelope.</summary>
    public static IActionResult ToActionResult<T>(this Result<T> result, Func<T, object?>? data = null, Func<T, object?>? meta = null) =>
        result.IsSuccess
            ? new OkObjectResult(new SuccessEnvelope(data is null ? result.Value : data(result.Value), meta?.Invoke(result.Value)))
            : ApiErrors.ToActionResult(result.Error!);
}
