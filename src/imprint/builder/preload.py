"""Imported by the fork server that build workers start from (see
:func:`~imprint.builder.pool.start_server`): the renderers' libraries, WeasyPrint's
above all, loaded there once, so that every worker starts with them and the build
process itself never loads them."""

from ..config import FORMATS
from .jobs import preload

preload(FORMATS)
