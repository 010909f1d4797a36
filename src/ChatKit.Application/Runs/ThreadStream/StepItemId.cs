using System.Globalization;

namespace ChatKit.Application.Runs.ThreadStream;

/// <summary>
/// The ids of the items a step's calls show besides its message (<c>wgt_&lt;step&gt;_&lt;n&gt;</c> for a widget,
/// <c>ctc_&lt;step&gt;_&lt;n&gt;</c> for a client tool call): stable across reloads, and they name the step's message, so an
/// item cursor needs no lookup.
/// </summary>
public static class StepItemId
{
    public static string Of(string prefix, Guid stepId, int index) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{stepId}_{index}");

    /// <summary>The step and the call index an id of <paramref name="prefix"/> names; false when it is not such an id.</summary>
    public static bool TryParse(string prefix, string id, out Guid stepId, out int index)
    {
        stepId = Guid.Empty;
        index = 0;
        var guidEnd = prefix.Length + 36;
        return id.StartsWith(prefix, StringComparison.Ordinal) && id.Length > guidEnd + 1 && id[guidEnd] == '_'
            && Guid.TryParse(id.AsSpan(prefix.Length, 36), out stepId)
            && int.TryParse(id.AsSpan(guidEnd + 1), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
