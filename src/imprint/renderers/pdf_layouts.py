"""Each line of text drawn in the Pango layout it was laid out in, not shaped again.

WeasyPrint breaks a paragraph into lines with Pango; the last layout it makes for a
line holds the line alone. It then lets that layout go, and to draw the page it makes
a new Pango context and layout for the line, sets the same text in the same font and
shapes it again. For the reference post that was a tenth of its PDF's CPU time.

:func:`install` keeps the line's last layout instead, beside WeasyPrint's own object,
and hands it back when the line is drawn, where nothing could make a new one differ:

- the line is drawn in the very style it was laid out in, with no justification
  spacing added since (WeasyPrint gives justified lines new layouts of their own);
- setting text in that style adds no Pango attribute (no word or letter spacing, no
  breaking inside words): such attributes are only added to, never taken away, as
  the line-breaker tries longer and shorter texts in one layout;
- the text holds no paragraph separator and no tab.

WeasyPrint draws a line in single-paragraph mode, and changing that mode makes Pango
lay the text out again. So a layout for such text is put in that mode as it is made,
before anything is shaped: with no paragraph separator in the text, it breaks and
shapes exactly as before.

Kept layouts are held weakly, by the WeasyPrint object they belong to: a line laid out
and never drawn (a page laid out again, a width measured) lets its layout go with it.
No more than :data:`MAX_KEPT` are kept at once. The PDFs are the same bytes (tested,
the corpus's Japanese, Korean and Persian posts among them). :func:`install` checks
that WeasyPrint's line-breaker still has what it wraps, and otherwise leaves it alone.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any

# Pango starts a new paragraph at these (and WeasyPrint keeps a line's text to its first)
SEPARATORS = frozenset("\n\r\x1c\x1d\x1e\x85\u2028\u2029")
# at most this many lines' layouts kept at once, about 35 MB (some 200 pages of text):
# WeasyPrint lays out every page before it draws one, and a long document's later
# lines are drawn in new layouts, as before
MAX_KEPT = 10_000
_kept: weakref.WeakKeyDictionary[Any, tuple[Any, Any, Any]] = weakref.WeakKeyDictionary()
_state: dict[str, Any] = {"installed": False, "originals": None}


def _plain(style: Any, text: str) -> bool:
    """Whether setting ``text`` in ``style`` adds no attribute a new layout would lack."""
    return (
        style["word_spacing"] == 0
        and style["letter_spacing"] == "normal"
        and style["overflow_wrap"] not in ("anywhere", "break-word")
        and style["word_break"] != "break-all"
        and "\t" not in text
        and SEPARATORS.isdisjoint(text)
    )


def install() -> bool:
    """From now on in this process, a line's last layout is the one it is drawn with
    (called once WeasyPrint is imported)."""
    if _state["installed"]:
        return True
    from weasyprint.text import line_break
    from weasyprint.text.ffi import pango

    layout_class = getattr(line_break, "Layout", None)
    create, metrics = (
        getattr(line_break, name, None) for name in ("create_layout", "first_line_metrics")
    )
    if not (
        callable(create)
        and callable(metrics)
        and callable(getattr(layout_class, "reactivate", None))
    ):
        return False  # another WeasyPrint: its own path, unchanged
    reactivate = layout_class.reactivate
    single = weakref.WeakSet()  # layouts made in single-paragraph mode

    @functools.wraps(create)
    def create_layout(text: str, style: Any, *args: Any, **kwargs: Any) -> Any:
        layout = create(text, style, *args, **kwargs)
        if layout.justification_spacing == 0 and _plain(style, text):
            # before anything is shaped: so every shaping of the line is as it is drawn
            pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
            single.add(layout)
        return layout

    @functools.wraps(metrics)
    def first_line_metrics(
        first_line: Any,
        text: str,
        layout: Any,
        resume_at: Any,
        space_collapse: bool,
        style: Any,
        *args: Any,
    ) -> Any:
        kept = (
            (layout.layout, layout.language, style)
            if layout in single and len(_kept) < MAX_KEPT
            else None
        )
        result = metrics(first_line, text, layout, resume_at, space_collapse, style, *args)
        if kept is not None:
            _kept[layout] = kept
        return result

    @functools.wraps(reactivate)
    def reactivate_kept(self: Any, style: Any) -> None:
        kept = _kept.pop(self, None)
        if kept is not None and kept[2] is style and self.justification_spacing == 0:
            self.layout, self.language, self.style = kept
            return
        reactivate(self, style)

    # what the tests put back to compare: with these, no layout is kept
    _state["originals"] = {"create_layout": create, "first_line_metrics": metrics}
    line_break.create_layout = create_layout
    line_break.first_line_metrics = first_line_metrics
    layout_class.reactivate = reactivate_kept
    _state["installed"] = True
    return True
