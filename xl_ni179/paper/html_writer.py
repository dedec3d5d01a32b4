"""The paper as one self-contained HTML page (for email or the intranet). Everything is escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path

from xl_ni179.paper.content import Block, is_number

STYLE = """
body { font-family: Arial, sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.4; }
h1 { text-transform: uppercase; font-size: 1.4em; }
p.meta { font-weight: bold; text-transform: uppercase; margin: 0.2em 0; }
p.note, p.placeholder { font-style: italic; color: #595959; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; }
"""


def render_html(blocks: list[Block]) -> str:
    title = next((b.text for b in blocks if b.kind == "title"), "Progress paper")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
    ]
    parts += [_block(b) for b in blocks]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def write_html(blocks: list[Block], out: Path) -> Path:
    out.write_text(render_html(blocks), encoding="utf-8")
    return out


def _block(block: Block) -> str:
    kind, text = block.kind, escape(block.text)
    if kind == "title":
        return f"<h1>{text}</h1>"
    if kind == "meta":
        return f'<p class="meta">{text}</p>'
    if kind == "heading":
        return f"<h2>{text}</h2>"
    if kind == "subheading":
        return f"<h3>{text}</h3>"
    if kind in ("para", "plain"):
        return f"<p>{escape(block.numbered_text)}</p>"
    if kind == "bullets":
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if kind == "table":
        return _table(block.rows)
    if kind in ("note", "placeholder"):
        return f'<p class="{kind}">{text}</p>'
    raise ValueError(f"unknown paper block {kind!r}")


def _table(rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(v)}</th>' for v in rows[0])
    body = []
    for values in rows[1:]:
        cells = "".join(
            f'<td class="num">{escape(v)}</td>' if i and is_number(v) else f"<td>{escape(v)}</td>"
            for i, v in enumerate(values)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )
