using System.Globalization;
using System.Text;

namespace Pipeline.Reporting.Render;

/// <summary>Self-contained HTML: inline CSS and SVG, no scripts, no external fonts or images (opens offline).</summary>
internal static class Page
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Open(StringBuilder h, string title)
    {
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
            .Append("<title>").Append(Escape.Html(title)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:1.5rem 2rem;max-width:110rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}")
            .Append("th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}")
            .Append("code{word-break:break-all;background:#f4f4f4}.client{border-left:4px solid #c33;padding-left:1rem;margin:1rem 0}.client th{width:11rem}")
            .Append(".tag{font-size:.8em;padding:0 .4em;border-radius:.3em;background:#eee}.new{background:#fdd}.ongoing{background:#fec}.not_seen{background:#eef}.resolved{background:#dfd}")
            .Append(".warn{background:#fff3cd;border:1px solid #e0c060;padding:.5rem}.hint{color:#555;font-size:.9em}details{margin:.5rem 0}summary{cursor:pointer}")
            .Append("</style></head><body>");
    }

    public static void Close(StringBuilder h) => h.Append("</body></html>\n");

    /// <summary>
    /// A line chart of shares (0..1) per week, as inline SVG: labelled axes, a value over each point, and a gap (with
    /// "no data" under the axis) for a week without data, never a point at 0 %.
    /// </summary>
    public static string Chart(IReadOnlyList<(string Label, double? Share)> points)
    {
        const int w = 760, hgt = 260, left = 64, bottom = 48, top = 24, right = 24;
        var values = points.Where(p => p.Share is not null).Select(p => p.Share!.Value).ToList();
        var max = NiceMax(values.Count == 0 ? 0 : values.Max());
        var step = points.Count > 1 ? (w - left - right) / (double)(points.Count - 1) : 0;
        double X(int i) => left + (points.Count > 1 ? i * step : (w - left - right) / 2.0);
        double Y(double v) => top + ((hgt - top - bottom) * (1 - (v / max)));
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{hgt}\" role=\"img\" aria-label=\"share of calls over SSL 3.0/TLS 1.0/1.1 per week\">");
        // Y axis: four gridlines with their shares, and its title.
        for (var g = 0; g <= 4; g++)
        {
            var v = max * g / 4;
            svg.Append(Inv, $"<line x1=\"{left}\" y1=\"{Y(v):F1}\" x2=\"{w - right}\" y2=\"{Y(v):F1}\" stroke=\"{(g == 0 ? "#999" : "#e4e4e4")}\"/>")
                .Append(Inv, $"<text x=\"{left - 6}\" y=\"{Y(v) + 4:F1}\" font-size=\"11\" text-anchor=\"end\">{Percent(v)}</text>");
        }

        svg.Append(Inv, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{Y(0):F1}\" stroke=\"#999\"/>");
        svg.Append(Inv, $"<text x=\"14\" y=\"{(top + hgt - bottom) / 2}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(top + hgt - bottom) / 2})\">legacy share of calls with known TLS</text>");
        svg.Append(Inv, $"<text x=\"{(left + w - right) / 2}\" y=\"{hgt - 4}\" font-size=\"11\" text-anchor=\"middle\">ISO week (UTC)</text>");

        // One polyline per run of weeks with data: a week without data breaks the line.
        var run = new List<int>();
        void Flush()
        {
            if (run.Count > 1)
            {
                svg.Append("<polyline fill=\"none\" stroke=\"#c33\" stroke-width=\"2\" points=\"");
                foreach (var i in run)
                {
                    svg.Append(Inv, $"{X(i):F1},{Y(points[i].Share!.Value):F1} ");
                }

                svg.Append("\"/>");
            }

            run.Clear();
        }

        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].Share is null)
            {
                Flush();
            }
            else
            {
                run.Add(i);
            }
        }

        Flush();
        for (var i = 0; i < points.Count; i++)
        {
            var label = Escape.Html(points[i].Label);
            if (points[i].Share is { } share)
            {
                svg.Append(Inv, $"<circle cx=\"{X(i):F1}\" cy=\"{Y(share):F1}\" r=\"3\" fill=\"#c33\"><title>{label}: {share:P2}</title></circle>")
                    .Append(Inv, $"<text class=\"value\" x=\"{X(i):F1}\" y=\"{Y(share) - 7:F1}\" font-size=\"10\" text-anchor=\"middle\">{Percent(share)}</text>");
            }
            else
            {
                svg.Append(Inv, $"<text class=\"nodata\" x=\"{X(i):F1}\" y=\"{Y(0) - 6:F1}\" font-size=\"10\" fill=\"#888\" text-anchor=\"middle\">no data</text>");
            }

            if (points.Count <= 14 || i % 2 == 0 || i == points.Count - 1)
            {
                svg.Append(Inv, $"<text x=\"{X(i):F1}\" y=\"{Y(0) + 16:F1}\" font-size=\"10\" text-anchor=\"middle\">{label}</text>");
            }
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A round top for the Y axis just above <paramref name="max"/> (at least 1 %).</summary>
    private static double NiceMax(double max)
    {
        foreach (var top in new[] { 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0 })
        {
            if (max <= top)
            {
                return top;
            }
        }

        return 1.0;
    }

    private static string Percent(double share) => share == 0 ? "0 %" : share.ToString(share < 0.01 ? "P2" : "P1", Inv);
}
