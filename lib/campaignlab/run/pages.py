"""The HTML pages of a run: an executed notebook exported as a self-contained page with a title and a link back to
the outputs index (the runner writes them)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from campaignlab import iorw


def render_html(notebook: Path, *, hide_code: bool = False, title: str | None = None) -> str:
    """An executed notebook as a self-contained HTML page (images embedded, no external scripts).

    Every page gets a real title (``title``, else the notebook's name) and a link back to the outputs index, which
    lies one folder up from every report folder.
    """
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True, exclude_input=hide_code,
                            exclude_input_prompt=hide_code, exclude_output_prompt=hide_code)
    # The lab template loads MathJax and require.js from a CDN unless told otherwise; reports are opened offline.
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    exporter.widget_renderer_url = ""
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    body = decorate_page(_strip_remote_scripts(body), title=title or notebook.stem.replace("_", " "),
                         index_href="../" + iorw.RunFiles.INDEX_HTML)
    return body


def write_page(notebook: Path, target: Path, *, hide_code: bool = False, title: str | None = None) -> Path:
    """Write :func:`render_html` of ``notebook`` to ``target`` (atomically)."""
    return iorw.write_text(target, render_html(notebook, hide_code=hide_code, title=title))


def decorate_page(html: str, *, title: str, index_href: str) -> str:
    """Set the page's ``<title>`` and put a link back to the index at the top of its body.

    Examples
    --------
    >>> page = decorate_page("<html><head><title>x</title></head><body class='a'><p>hi</p></body></html>",
    ...                      title="Campaign 18 <review>", index_href="../index.html")
    >>> "<title>Campaign 18 &lt;review&gt;</title>" in page, '<a href="../index.html">' in page
    (True, True)
    """
    import html as html_lib
    import re

    safe = html_lib.escape(title)
    html = re.sub(r"<title>.*?</title>", f"<title>{safe}</title>", html, count=1, flags=re.DOTALL)
    nav = (f'<p style="margin:0.5rem 1rem;font-family:sans-serif"><a href="{html_lib.escape(index_href)}">'
           "&larr; All campaign reports</a></p>")
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, html, count=1)


def _strip_remote_scripts(html: str) -> str:
    """Remove every script block: reports are static (tables and embedded images), and the lab template's scripts
    (MathJax, a Mermaid loader importing from a CDN) would reach the internet from a mailed report."""
    import re

    return re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL | re.IGNORECASE)


class PageWriter:
    """Writes pages (:func:`render_html`) on one background thread, so that a notebook's page is rendered while
    the next notebook runs in its kernel. The first page of a process also imports nbconvert and loads its
    templates (about 2 s; each later page 0.1-0.3 s, measured on a 1M-customer run).

    Leaving the ``with`` block waits for every page: on a normal exit the first error is raised (a full disk, say);
    when the block is left by an error, that error is the one that propagates. :meth:`wait` also waits, before the
    run folder is moved.
    """

    def __init__(self, write: Callable[..., Path] = write_page) -> None:
        self._write = write
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pages")
        self._pending: list[Future[Path]] = []

    def submit(self, notebook: Path, target: Path, *, hide_code: bool = False, title: str | None = None) -> None:
        self._pending.append(self._pool.submit(self._write, notebook, target, hide_code=hide_code, title=title))

    def wait(self, *, raise_errors: bool = True) -> None:
        pending, self._pending = self._pending, []
        errors = [f.exception() for f in pending]
        first = next((e for e in errors if e is not None), None)
        if raise_errors and first is not None:
            raise first

    def __enter__(self) -> PageWriter:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            self.wait(raise_errors=exc_type is None)
        finally:
            self._pool.shutdown()
