using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Idempotency;

/// <summary>
/// The endpoint honours an <c>Idempotency-Key</c> header: the same key from the same user never makes a second message,
/// run or task; a repeat attaches to the first request's run or gets its answer again (<see cref="IdempotencyFilter"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IdempotentAttribute() : TypeFilterAttribute(typeof(IdempotencyFilter));
