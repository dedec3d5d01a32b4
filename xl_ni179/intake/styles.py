"""What a cell's style does to what it shows: its number format, font colour and fill.

The style sheet is reached by its relationship from the workbook and read in the same
pass as the cells (``xl_ni179.intake.reader``). A cell's ``s`` attribute picks one of its
``cellXfs``; that gives a number format (by id: the file's own code, or one built into
every program), a font and a fill. Excel and Calc both use a cell format's number format
whatever its ``applyNumberFormat`` says, so that flag is not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles.numbers import BUILTIN_FORMATS

from xl_ni179.intake.values import XlsxAmbiguity

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
# Theme colours by the index a style gives (SpreadsheetML swaps the first two pairs).
_THEME_ORDER = (
    "lt1",
    "dk1",
    "lt2",
    "dk2",
    "accent1",
    "accent2",
    "accent3",
    "accent4",
    "accent5",
    "accent6",
    "hlink",
    "folHlink",
)
# Office's default theme, for a workbook that has none.
_DEFAULT_THEME = {
    "lt1": "FFFFFF",
    "dk1": "000000",
    "lt2": "EEECE1",
    "dk2": "1F497D",
    "accent1": "4F81BD",
    "accent2": "C0504D",
    "accent3": "9BBB59",
    "accent4": "8064A2",
    "accent5": "4BACC6",
    "accent6": "F79646",
    "hlink": "0000FF",
    "folHlink": "800080",
}
BLACK, WHITE = "000000", "FFFFFF"


@dataclass(frozen=True)
class Look:
    """What a cell format does to what a cell shows."""

    formats: tuple[str, ...]  # the number format code(s): two when programs could take either
    font: str  # RRGGBB
    fill: str  # RRGGBB (white when the cell has no fill)
    size: float  # points


@dataclass(frozen=True)
class Differential:
    """What a conditional format applies: a number format and a font colour, either optional."""

    format: str | None
    font: str | None


class Styles:
    """A workbook's cell formats (``cellXfs``) and conditional formats' differences (``dxfs``)."""

    def __init__(self, looks: list[Look], differentials: list[Differential]) -> None:
        self.looks = looks
        self.differentials = differentials

    def look(self, index: int) -> Look | None:
        return self.looks[index] if 0 <= index < len(self.looks) else None

    def differential(self, index: int) -> Differential | None:
        return self.differentials[index] if 0 <= index < len(self.differentials) else None


DEFAULT = Look(("General",), BLACK, WHITE, 11.0)
NO_STYLES = Styles([DEFAULT], [])


def theme_colours(root: Any | None) -> dict[str, str]:
    """The theme's colour scheme (RRGGBB by name), Office's default where the theme says none."""
    colours = dict(_DEFAULT_THEME)
    if root is None:
        return colours
    scheme = next(root.iter(f"{DRAWING}clrScheme"), None)
    for el in scheme if scheme is not None else ():
        name = el.tag.rpartition("}")[2] if isinstance(el.tag, str) else ""
        value = next(iter(el), None)
        if name in colours and value is not None:
            rgb = value.get("val") if value.tag == f"{DRAWING}srgbClr" else value.get("lastClr")
            if rgb and len(rgb) == 6:
                colours[name] = rgb.upper()
    return colours


def _tinted(rgb: str, tint: float) -> str:
    channels = [int(rgb[i : i + 2], 16) for i in (0, 2, 4)]
    if tint > 0:
        channels = [round(c + (255 - c) * tint) for c in channels]
    elif tint < 0:
        channels = [round(c * (1 + tint)) for c in channels]
    return "".join(f"{max(0, min(255, c)):02X}" for c in channels)


class _Colours:
    def __init__(self, root: Any, theme: dict[str, str]) -> None:
        self.theme = theme
        self.indexed = list(COLOR_INDEX)
        custom = next(root.iter(f"{MAIN}indexedColors"), None)
        if custom is not None:
            for i, el in enumerate(custom):
                if i < len(self.indexed) and len(el.get("rgb", "")) == 8:
                    self.indexed[i] = el.get("rgb")

    def of(self, el: Any | None, default: str) -> str:
        """A <color>/<fgColor> element as RRGGBB."""
        if el is None or _flag(el.get("auto")):
            return default
        rgb = el.get("rgb")
        theme = el.get("theme")
        indexed = el.get("indexed")
        if rgb and len(rgb) in (6, 8):
            colour = rgb[-6:].upper()
        elif theme is not None and theme.isdigit() and int(theme) < len(_THEME_ORDER):
            colour = self.theme[_THEME_ORDER[int(theme)]]
        elif indexed is not None and indexed.isdigit():
            number = int(indexed)
            # 64 and 65 are the system's text and window colours.
            colour = (
                BLACK
                if number == 64
                else WHITE
                if number == 65
                else self.indexed[number][-6:].upper()
                if number < len(self.indexed)
                else default
            )
        else:
            return default
        try:
            return _tinted(colour, float(el.get("tint", "0")))
        except ValueError:
            return colour


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true")


def _number(value: str | None, default: int = 0) -> int:
    if value is None:
        return default
    if not value.isascii() or not value.isdigit():
        raise XlsxAmbiguity(
            f"the style sheet holds the number '{value[:20]}', which programs read differently"
        )
    return int(value)


def read_styles(root: Any | None, theme: Any | None = None) -> Styles:
    """The cell formats of the style sheet ``root`` (None: a workbook without one)."""
    if root is None:
        return NO_STYLES
    colours = _Colours(root, theme_colours(theme))
    codes: dict[int, str] = {}
    for el in root.iterfind(f"{MAIN}numFmts/{MAIN}numFmt"):
        number, code = _number(el.get("numFmtId"), -1), el.get("formatCode", "")
        if codes.get(number, code) != code:
            raise XlsxAmbiguity(f"the style sheet defines number format {number} twice")
        codes[number] = code
    fonts = []
    for el in root.iterfind(f"{MAIN}fonts/{MAIN}font"):
        size = el.find(f"{MAIN}sz")
        try:
            points = float(size.get("val", "11")) if size is not None else 11.0
        except ValueError:
            points = 11.0
        fonts.append((colours.of(el.find(f"{MAIN}color"), BLACK), points))
    fills = []
    for el in root.iterfind(f"{MAIN}fills/{MAIN}fill"):
        pattern = el.find(f"{MAIN}patternFill")
        if pattern is None or pattern.get("patternType", "none") == "none":
            fills.append(WHITE)
        else:
            fills.append(colours.of(pattern.find(f"{MAIN}fgColor"), WHITE))
    looks = []
    for el in root.iterfind(f"{MAIN}cellXfs/{MAIN}xf"):
        font_id, fill_id = _number(el.get("fontId")), _number(el.get("fillId"))
        if font_id >= max(len(fonts), 1) or fill_id >= max(len(fills), 1):
            raise XlsxAmbiguity("a cell format uses a font or fill the style sheet does not define")
        font, size = fonts[font_id] if fonts else (BLACK, 11.0)
        looks.append(
            Look(
                _formats(_number(el.get("numFmtId")), codes),
                font,
                fills[fill_id] if fills else WHITE,
                size,
            )
        )
    differentials = []
    for el in root.iterfind(f"{MAIN}dxfs/{MAIN}dxf"):
        fmt = el.find(f"{MAIN}numFmt")
        font = el.find(f"{MAIN}font")
        colour = font.find(f"{MAIN}color") if font is not None else None
        differentials.append(
            Differential(
                fmt.get("formatCode", "") if fmt is not None else None,
                colours.of(colour, BLACK) if colour is not None else None,
            )
        )
    return Styles(looks or [DEFAULT], differentials)


def _formats(number: int, codes: dict[int, str]) -> tuple[str, ...]:
    """Every code a program could show for format ``number``.

    A file may give a built-in format's number a code of its own (Gnumeric numbers its
    formats from 100, and Excel writes its currency formats 5-8). Where the file redefines
    a number that has a built-in meaning, a program could use either.
    """
    own, built_in = codes.get(number), BUILTIN_FORMATS.get(number)
    if own is not None and built_in is not None and own != built_in:
        return (own, built_in)
    if own is not None:
        return (own,)
    if built_in is not None:
        return (built_in,)
    return (
        f"[unknown format {number}]",
    )  # a locale's own format, which another program shows otherwise
