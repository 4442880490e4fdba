"""Finding the source line a warning is about, from what pandoc's HTML still says.

The HTML keeps no line numbers, but an image or a reference keeps the text the
author wrote, so the Markdown is searched for it. The same reference written
three times gives three lines: each search goes on from the last find.
"""

from __future__ import annotations

import urllib.parse


class Locator:
    def __init__(self, text: str, first_line: int):
        self.text = text  # the Markdown body
        self.first_line = first_line  # the file line the body starts on
        self._after: dict[str, int] = {}

    def line(self, *needles: str) -> int:
        """The line of the first needle's next occurrence (the body's first line if none is
        found). Give the most telling form first: ``src="x.png"`` before ``x.png``.

        pandoc percent-encodes some URLs (``{{ site.baseurl }}`` becomes
        ``%7B%7B...``), so the decoded form is looked for too.
        """
        forms = [f for n in needles if n for f in (n, urllib.parse.unquote(n))]
        for form in dict.fromkeys(forms):
            start = self._after.get(form, 0)
            index = self.text.find(form, start)
            if index < 0 and start:
                index = self.text.find(form)  # written once, used twice (a reference link)
            if index >= 0:
                self._after[form] = index + 1
                return self.first_line + self.text.count("\n", 0, index)
        return self.first_line
