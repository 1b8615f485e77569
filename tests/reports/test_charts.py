"""The SVG charts: readable on a phone, nothing drawn for nothing, legends that wrap."""

import itertools
import re
import xml.etree.ElementTree as ET

from reports.charts import Series, grouped_bars, horizontal_bars

SVG = "{http://www.w3.org/2000/svg}"
# The narrowest chart on a 360 px phone: the page's and the card's padding
# leave about 300 px of the drawing's width.
PHONE_CHART_PX = 300
REGENCIES = [
    "Kabupaten Gorontalo",
    "Kabupaten Boalemo",
    "Kabupaten Bone Bolango",
    "Kabupaten Pohuwato",
    "Kabupaten Gorontalo Utara",
    "Kota Gorontalo",
]
KINDS = ["WKSBM", "Karang Taruna", "LKSA"]
LPJ_WORDS = ["Diterima", "Diserahkan", "Perlu perbaikan", "Terlambat"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def width(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[2])


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def legend(root: ET.Element) -> list[tuple[float, float]]:
    """(x, y) of each legend swatch, in drawing order."""
    return [
        (float(rect.get("x")), float(rect.get("y")))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("width") == "12" and rect.get("height") == "12"
    ]


def yearly(years: int) -> str:
    categories = [str(2020 + n) for n in range(years)]
    series = [
        Series(kind, [1_234 + 10 * n + k for n in range(years)])
        for k, kind in enumerate(KINDS)
    ]
    return grouped_bars("Lembaga dibantu per tahun", categories, series)


def regional() -> str:
    series = [
        Series(kind, [40 + k + n for n in range(len(REGENCIES))])
        for k, kind in enumerate(KINDS)
    ]
    return horizontal_bars("Lembaga dibantu per wilayah", REGENCIES, series)


def test_every_label_of_both_charts_is_at_least_10px_tall_on_a_phone():
    for svg in (yearly(5), regional()):
        root = parse(svg)
        scale = PHONE_CHART_PX / width(root)
        sizes = [float(text.get("font-size")) * scale for text in texts(root)]

        assert sizes and min(sizes) >= 10


def test_a_chart_of_zeros_or_of_nothing_is_not_drawn():
    zeros = [Series(kind, [0, 0]) for kind in KINDS]

    assert grouped_bars("Per tahun", ["2025", "2026"], zeros) == ""
    assert horizontal_bars("Per wilayah", ["Kota Gorontalo", "Boalemo"], zeros) == ""
    assert grouped_bars("Per tahun", [], []) == ""
    assert horizontal_bars("Per wilayah", [], []) == ""


def test_a_chart_with_one_value_is_drawn():
    series = [Series("WKSBM", [0, 1])]

    assert "<svg" in grouped_bars("Per tahun", ["2025", "2026"], series)


def test_region_names_stand_above_their_bars_so_long_names_take_no_bar_width():
    root = parse(regional())
    name = next(t for t in texts(root) if t.text == "Kabupaten Gorontalo Utara")
    bar = next(
        r
        for r in root.iter(f"{SVG}rect")
        if r.findtext(f"{SVG}title", "").startswith(f"{name.text},")
    )

    assert float(name.get("x")) == float(bar.get("x"))
    assert float(bar.get("y")) - 20 < float(name.get("y")) < float(bar.get("y"))


def test_the_longest_bar_and_its_total_stay_inside_the_drawing():
    root = parse(regional())
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    ends = [float(r.get("x")) + float(r.get("width")) for r in bars]
    totals = [t for t in texts(root) if t.text and t.text.isdigit()]
    last = max(float(t.get("x")) + len(t.text) * 14 * 0.62 for t in totals)

    assert max(ends) < width(root)
    assert last <= width(root)


def test_a_legend_too_long_for_one_line_wraps_instead_of_overlapping():
    series = [Series(word, [1, 2, 3, 4, 5, 6]) for word in LPJ_WORDS]
    root = parse(horizontal_bars("LPJ per kabupaten/kota", REGENCIES, series))
    swatches = legend(root)
    names = [t for t in texts(root) if t.text in LPJ_WORDS]

    assert len({y for _, y in swatches}) > 1
    for (x, y), (next_x, next_y) in itertools.pairwise(swatches):
        if y == next_y:
            assert next_x > x
    for name in names:
        assert float(name.get("x")) + len(name.text) * 14 * 0.62 <= width(root)


def test_values_wider_than_their_bars_stand_upright_and_narrow_ones_do_not():
    assert "rotate(-90)" in yearly(5)
    assert "rotate(-90)" not in grouped_bars(
        "Peserta Bimtek per tahun", ["2024"], [Series("Peserta", [37])]
    )


def test_two_charts_on_one_page_have_their_own_title_ids():
    ids = [
        re.search(r'aria-labelledby="([^"]+)"', str(svg)).group(1)
        for svg in (yearly(2), regional())
    ]

    assert len(set(ids)) == 2


def test_names_in_a_chart_are_escaped():
    svg = horizontal_bars("<b>Per</b> wilayah", ["Desa <Baru>"], [Series("A&B", [1])])

    parse(svg)  # well-formed
    assert "<b>" not in svg and "Desa &lt;Baru&gt;" in svg and "A&amp;B" in svg
