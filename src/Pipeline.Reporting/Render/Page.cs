using System.Globalization;
using System.Text;

namespace Pipeline.Reporting.Render;

/// <summary>Self-contained HTML: inline CSS and SVG, no scripts, no external fonts or images (opens offline).</summary>
internal static class Page
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Open(StringBuilder h, string title)
    {
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
            .Append("<title>").Append(Escape.Html(title)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}")
            .Append("th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}td.n{text-align:right}")
            .Append("code{word-break:break-all;background:#f4f4f4}.client{border-left:4px solid #c33;padding-left:1rem;margin:1rem 0}")
            .Append(".tag{font-size:.8em;padding:0 .4em;border-radius:.3em;background:#eee}.new{background:#fdd}.ongoing{background:#fec}.resolved{background:#dfd}")
            .Append("</style></head><body>");
    }

    public static void Close(StringBuilder h) => h.Append("</body></html>\n");

    /// <summary>A line chart of shares (0..1) per label, as inline SVG.</summary>
    public static string Chart(IReadOnlyList<(string Label, double Share)> points)
    {
        const int w = 640, hgt = 220, left = 50, bottom = 30, top = 10;
        var max = Math.Max(0.01, points.Count == 0 ? 0 : points.Max(p => p.Share));
        var step = points.Count > 1 ? (w - left - 40) / (double)(points.Count - 1) : 0;
        double X(int i) => left + (i * step);
        double Y(double v) => top + ((hgt - top - bottom) * (1 - (v / max)));
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{hgt}\" role=\"img\" aria-label=\"share of calls over TLS 1.0/1.1 per week\">");
        svg.Append(Inv, $"<line x1=\"{left}\" y1=\"{Y(0):F1}\" x2=\"{w - 10}\" y2=\"{Y(0):F1}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{Y(0):F1}\" stroke=\"#999\"/>");
        svg.Append(Inv, $"<text x=\"4\" y=\"{top + 10}\" font-size=\"11\">{max:P1}</text><text x=\"4\" y=\"{Y(0):F1}\" font-size=\"11\">0 %</text>");
        if (points.Count > 0)
        {
            svg.Append("<polyline fill=\"none\" stroke=\"#c33\" stroke-width=\"2\" points=\"");
            for (var i = 0; i < points.Count; i++)
            {
                svg.Append(Inv, $"{X(i):F1},{Y(points[i].Share):F1} ");
            }

            svg.Append("\"/>");
            for (var i = 0; i < points.Count; i++)
            {
                svg.Append(Inv, $"<circle cx=\"{X(i):F1}\" cy=\"{Y(points[i].Share):F1}\" r=\"3\" fill=\"#c33\"><title>{Escape.Html(points[i].Label)}: {points[i].Share:P2}</title></circle>");
                if (points.Count <= 12 || i % 2 == 0)
                {
                    svg.Append(Inv, $"<text x=\"{X(i):F1}\" y=\"{hgt - 8}\" font-size=\"10\" text-anchor=\"middle\">{Escape.Html(points[i].Label)}</text>");
                }
            }
        }

        return svg.Append("</svg>").ToString();
    }
}
