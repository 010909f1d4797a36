using System.Text;
using ChatKit.Application.Abstractions;

namespace ChatKit.Application.Search;

/// <summary>
/// A stored snippet as HTML: every character of the user's text escaped, then <c>&lt;mark&gt;</c> where the database
/// put its private markers. Escaping after the database marked the matches (never before, never by the database) is what
/// keeps a message holding <c>&lt;script&gt;</c> or <c>&lt;mark&gt;</c> inert.
/// </summary>
public static class SnippetMarkup
{
    public static string ToHtml(string marked)
    {
        ArgumentNullException.ThrowIfNull(marked);
        var html = new StringBuilder(marked.Length + 32);
        var open = false;
        foreach (var c in marked)
        {
            switch (c)
            {
                case SearchHitRow.MarkStart when !open:
                    html.Append("<mark>");
                    open = true;
                    break;
                case SearchHitRow.MarkEnd when open:
                    html.Append("</mark>");
                    open = false;
                    break;
                case SearchHitRow.MarkStart or SearchHitRow.MarkEnd:
                    break;
                case '<' or SearchHitRow.Lt:
                    html.Append("&lt;");
                    break;
                case '>' or SearchHitRow.Gt:
                    html.Append("&gt;");
                    break;
                case '&' or SearchHitRow.Amp:
                    html.Append("&amp;");
                    break;
                case '"':
                    html.Append("&quot;");
                    break;
                case '\'':
                    html.Append("&#39;");
                    break;
                default:
                    html.Append(c);
                    break;
            }
        }

        if (open)
        {
            html.Append("</mark>");
        }

        return html.ToString();
    }
}
