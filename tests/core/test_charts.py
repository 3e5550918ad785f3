"""The SVG charts (opc_community.core.charts): accessible structure, geometry, escaping — no database."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template import Context, Template

from opc_community.core import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: charts.Chart) -> ET.Element:
    """The chart's <svg> element (after the legend, when there is one)."""
    html = str(chart)
    return ET.fromstring(html[html.index("<svg class="):])


def texts(svg: ET.Element) -> list[str]:
    return [element.text or "" for element in svg.iter(f"{SVG}text")]


def bars() -> charts.Chart:
    rows = [
        charts.Row("全部", [charts.Mark(Decimal("66.7"), "全部 · 回应: 66.7%", "66.7%"),
                          charts.Mark(None, "全部 · 解决: —", "—", charts.ACCENT)], strong=True),
        charts.Row("设施", [charts.Mark(100, "设施 · 回应: 100%", "100%"),
                          charts.Mark(50, "设施 · 解决: 50%", "50%", charts.ACCENT)]),
    ]
    return charts.bar_chart(rows, chart_id="sla", css_class="sla-chart", title="按类别的按时率", desc="每类两条",
                            axis=charts.Axis(100, (0, 50, 100), "{}%"), width=640, label_width=170,
                            legend=[("回应", charts.BRAND), ("解决", charts.ACCENT)])


def test_a_chart_is_an_image_named_by_its_title_and_description():
    svg = parse(bars())

    assert svg.get("class") == "sla-chart" and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "sla-title sla-desc"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("sla-title", "按类别的按时率")
    assert (desc.get("id"), desc.text) == ("sla-desc", "每类两条")
    assert svg.get("viewBox") == f"0 0 {svg.get('width')} {svg.get('height')}"


def test_every_bar_has_a_tooltip_and_its_number_beside_it():
    chart = bars()
    svg = parse(chart)
    rects = svg.findall(f"{SVG}rect")

    # a bar per mark with a value (the missing solution rate draws none, its "—" is written)
    assert [rect.find(f"{SVG}title").text for rect in rects] == [
        "全部 · 回应: 66.7%", "设施 · 回应: 100%", "设施 · 解决: 50%"]
    assert {"66.7%", "—", "全部", "设施", "0%"} <= set(texts(svg))
    assert texts(svg).count("50%") == texts(svg).count("100%") == 2  # a bar's number and a tick each
    # scaled to the area after the label column: 100 fills it, 50 half of it
    full, half = (float(rect.get("width")) for rect in rects[1:])
    assert full == 640 - 170 - charts.TEXT_ROOM and half == full / 2
    assert all(float(rect.get("x")) == 170 for rect in rects)
    assert chart["ticks"] == [{"x": 170, "label": "0%"}, {"x": 375, "label": "50%"}, {"x": 580, "label": "100%"}]


def test_grouped_bars_take_a_lane_each_and_stacked_ones_follow_each_other():
    grouped = bars()["rows"][1]["marks"]
    assert grouped[0]["y"] < grouped[1]["y"] and grouped[0]["x"] == grouped[1]["x"]

    stacked = charts.bar_chart(
        [charts.Row("2a", [charts.Mark(2, "2a · 处罚: 2"), charts.Mark(1, "2a · 处理中: 1")], text="3")],
        chart_id="cases", css_class="dr-chart", title="t", desc="d", axis=charts.Axis(3), stacked=True,
        width=460, label_width=100)
    first, second = stacked["rows"][0]["marks"]
    assert first["y"] == second["y"] and second["x"] == first["x"] + first["width"] == 100 + 200
    assert "3" in texts(parse(stacked))  # the row's total after it


def test_a_track_shows_the_whole_of_each_share():
    chart = charts.bar_chart([charts.Row("营收", [charts.Mark(25, "营收: 5/20", "5/20")])], chart_id="avg",
                             css_class="qd-chart", title="t", desc="d", axis=charts.Axis(100), track=True, width=460,
                             label_width=100)
    track, bar = parse(chart).findall(f"{SVG}rect")
    assert track.get("fill") == charts.TRACK and float(track.get("width")) == 300
    assert float(bar.get("width")) == 75


def test_the_legend_names_the_colours_and_is_hidden_from_screen_readers():
    html = str(bars())
    legend = html[:html.index("<svg class=")]
    assert legend.startswith('<ul class="chart-legend" aria-hidden="true">')
    assert legend.count("<li>") == 2 and f'fill="{charts.ACCENT}"' in legend and "解决" in legend


def test_a_histogram_draws_columns_in_groups_from_the_axis():
    groups = [charts.Group("W46", [charts.Mark(Decimal("2.6"), "W46 · 会议室", "2.6"),
                                   charts.Mark(None, "W46 · 路演厅", "—", charts.ACCENT)], "11/09"),
              charts.Group("W47", [charts.Mark(10, "W47 · 会议室", "10"), charts.Mark(5, "W47 · 路演厅", "5")], "11/16")]
    chart = charts.histogram(groups, chart_id="utilisation", css_class="occupancy-chart", title="t", desc="d",
                             axis=charts.Axis(10, (0, 5, 10), "{}%"), bar_width=22, group_gap=18)
    svg = parse(chart)

    assert chart["width"] == charts.LEFT + 2 * (2 * 22 + 18) + charts.RIGHT
    assert {"W46", "W47", "11/09", "11/16", "2.6", "—", "0%", "5%", "10%"} <= set(texts(svg))
    base = charts.TOP + 200
    heights = [bar["height"] for bar in chart["bars"]]
    assert heights == [52.0, 0.0, 200.0, 100.0]  # 2.6 of 10, nothing, the top, half
    assert all(bar["y"] + bar["height"] == base for bar in chart["bars"])
    assert [tick["y"] for tick in chart["ticks"]] == [base, base - 100, base - 200]


def test_a_line_chart_breaks_at_a_gap_and_draws_its_threshold_lines():
    points = [charts.Mark(55, "2026 Q1: 55", "55", charts.DANGER), None,
              charts.Mark(75, "2026 Q3: 75", "75"), charts.Mark(80, "2026 Q4: 80", "80")]
    chart = charts.line_chart(
        ["2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"], [charts.Series("总分", charts.BRAND, points)],
        chart_id="history", css_class="score-chart__svg", title="我的季度总分", desc="2026 Q1: 55; …",
        axis=charts.Axis(100, (0, 50, 100)), step=50, plot_height=100, font_size=10,
        thresholds=[charts.Threshold(60, "淘汰线 60", charts.DANGER), charts.Threshold(70, "预警线 70", charts.ACCENT)])
    svg = parse(chart)

    assert svg.get("font-size") == "10"  # its text smaller, the gridline labels relative to it
    assert {text.get("font-size") for text in svg.iter(f"{SVG}text") if text.get("font-size")} == {
        charts.TICK, charts.SMALL}
    floor_line, warning_line = chart["lines"]
    assert floor_line["y"] > warning_line["y"]  # the lower value lower on the chart
    assert [point["y"] for point in chart["points"]] == [69.0, 49.0, 44.0]  # 100 px tall from y = 124
    polylines = svg.findall(f"{SVG}polyline")
    assert len(polylines) == 1 and len(polylines[0].get("points").split()) == 2  # Q1 stands alone after the gap
    dots = svg.findall(f"{SVG}circle")
    assert [dot.get("fill") for dot in dots] == [charts.DANGER, charts.BRAND, charts.BRAND]  # a point's own colour
    assert [dot.find(f"{SVG}title").text for dot in dots] == ["2026 Q1: 55", "2026 Q3: 75", "2026 Q4: 80"]
    assert {"淘汰线 60", "预警线 70", "2026 Q2"} <= set(texts(svg))
    dashed = [line for line in svg.findall(f"{SVG}line") if line.get("stroke-dasharray")]
    assert [line.get("stroke") for line in dashed] == [charts.DANGER, charts.ACCENT]
    # The labels stand right of the plot (never over the last point) and apart though the lines are 10 px apart.
    labels = {text.text: text for text in svg.iter(f"{SVG}text") if text.text in ("淘汰线 60", "预警线 70")}
    assert all(float(text.get("x")) > float(dashed[0].get("x2")) for text in labels.values())
    assert float(labels["淘汰线 60"].get("y")) - float(labels["预警线 70"].get("y")) >= 12  # font size 10 + 2
    assert floor_line["label_y"] - warning_line["label_y"] >= 12


def test_close_labels_are_moved_apart_as_little_as_needed():
    assert charts.separated([40, 50, 90], gap=12) == [40, 52, 90]
    assert charts.separated([], gap=12) == []


def test_text_is_escaped_and_numbers_are_not_localised():
    chart = charts.bar_chart([charts.Row("<b>&", [charts.Mark(Decimal("12.25"), "a<b", "1,5")])],
                             chart_id="x", css_class="c", title="<script>", desc='"q"', axis=charts.Axis(Decimal("33.3")))
    html = str(chart)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;&amp;" in html
    parse(chart)  # well-formed XML
    bar = parse(chart).find(f"{SVG}rect")
    assert bar.get("width") == "150.8"  # 12.25 / 33.3 × 410 px, a point and one decimal


@pytest.mark.parametrize(("largest", "maximum", "ticks"), [
    (0, 1, (0, 1)), (1, 1, (0, 1)), (4, 4, (0, 1, 2, 3, 4)), (5, 5, (0, 2, 4)), (9, 9, (0, 3, 6, 9)),
    (10, 10, (0, 3, 6, 9)),
])
def test_a_counting_axis_has_about_four_whole_number_gridlines(largest, maximum, ticks):
    assert charts.Axis.counting(largest) == charts.Axis(maximum, ticks)


def test_a_template_draws_the_chart_as_it_is():
    rendered = Template("<figure>{{ chart }}</figure>").render(Context({"chart": bars()}))
    assert rendered == f"<figure>{bars()}</figure>"
