"""The brand: tokens from ``brand.toml`` (``tokens``), the fonts cut from its faces
(``fonts``), the EPUB cover (``cover``), the DOCX reference document (``docx``),
the Jinja templates (``templates``), and the user cache these are kept in (``store``).
"""
