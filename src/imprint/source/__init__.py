"""Reading a post and what it references: the boundary where untrusted content enters.

``post`` reads bytes, decodes them and splits off the front matter (parsed by
``frontmatter``, a safe YAML loader); ``markdown`` is the single Markdown →
HTML call to pandoc (``pandoc``); ``resources`` and ``remote`` are the one
resolver, and its policy, for every image, stylesheet or font a post names.
"""
