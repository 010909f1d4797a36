namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// The transaction-scoped advisory locks that serialise one user's writes under a cap (each an SQL call on
/// <c>@UserId</c>): every statement that counts-and-inserts, and every writer that must not race them (an erasure, an
/// import), takes the same named lock. One place for the names, so a writer cannot take a lock no one else takes. Taken
/// together, in this order: sessions, tasks, attachments.
/// </summary>
internal static class UserLocks
{
    public const string Sessions = "pg_advisory_xact_lock(hashtextextended('sessions:' || @UserId, 0))";

    public const string Tasks = "pg_advisory_xact_lock(hashtextextended('tasks:' || @UserId, 0))";

    public const string Attachments = "pg_advisory_xact_lock(hashtextextended('attachments:' || @UserId, 0))";
}
