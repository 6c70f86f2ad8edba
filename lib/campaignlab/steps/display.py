"""Rich output for the notebooks: markdown sentences, and the short text a step result prints as."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from campaignlab.formatting import NotAvailable

# The start of an HTML tag, comment or processing instruction; a "<" before a space or a digit (q < 0.05) stays.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def show_markdown(text: str) -> None:
    """Show markdown; no raw HTML gets through (data text is escaped where it enters, this is the backstop).

    Our own sentences use markdown only, never HTML, so a ``<`` that would open a tag becomes ``&lt;`` (shown as ``<``).
    """
    from IPython.display import Markdown, display

    display(Markdown(_TAG_START.sub("&lt;", text)))


def say(text: str) -> None:
    """Show one paragraph of generated text."""
    if text:
        show_markdown(text)


def show_not_available(na: NotAvailable) -> None:
    """One sentence in place of a section that lacks what it needs."""
    show_markdown(na.sentence)


#: Rows of each main table a result's HTML shows.
MAIN_ROWS = 8
#: The longest line of a result's short text; longer lines end in "...".
REPR_LINE = 300


def describe_table(value: Any) -> str:
    """A table's shape, ``rows x columns``; a dict of tables gives each one's; anything else its type.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_table(pd.DataFrame({"a": [1, 2]})), describe_table({"x": pd.DataFrame(), "y": None})
    ('2x1', '{x: 0x0, y: none}')
    """
    if isinstance(value, pd.DataFrame):
        return f"{value.shape[0]:,}x{value.shape[1]}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe_table(v)}" for k, v in value.items()) + "}"
    return "none" if value is None else type(value).__name__


def describe_result(name: str, lines: list[str], tables: dict[str, Any]) -> str:
    """The short text of a step result: its name, a few lines that say what it found, and its tables' shapes.

    Shows no rows, so no customer id: the tables are listed by name and shape only.

    Examples
    --------
    >>> import pandas as pd
    >>> print(describe_result("DemoResult", ["design: holdout"], {"effects": pd.DataFrame({"a": [1]})}))
    DemoResult
      design: holdout
      tables: effects 1x1
    """
    shown = [f"{k} {describe_table(v)}" for k, v in tables.items()]
    body = [*lines, "tables: " + ", ".join(shown)]
    return "\n".join([name, *("  " + _clip(line) for line in body)])


def _clip(line: str) -> str:
    line = " ".join(str(line).split())
    return line if len(line) <= REPR_LINE else line[:REPR_LINE - 3] + "..."


def field_descriptions(cls: type) -> dict[str, str]:
    """Each attribute's one-line description, from the numpydoc ``Attributes`` section of ``cls``'s docstring.

    Examples
    --------
    >>> class R:
    ...     '''A result.
    ...
    ...     Attributes
    ...     ----------
    ...     design : str
    ...         How groups were formed. More detail here.
    ...     '''
    >>> field_descriptions(R)
    {'design': 'How groups were formed.'}
    """
    doc = (cls.__doc__ or "").expandtabs()
    _, _, section = doc.partition("Attributes\n")
    out: dict[str, str] = {}
    name = None
    for line in section.splitlines()[1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if set(stripped) == {"-"}:  # the next numpydoc section starts
            break
        match = re.match(r"^\s{0,4}(\w+)\s*:", line)
        if match and len(line) - len(line.lstrip()) <= 4:
            name = match.group(1)
            out[name] = ""
        elif name:
            out[name] = f"{out[name]} {stripped}".strip()
    return {k: re.split(r"(?<=\.)\s", v.replace("``", ""), maxsplit=1)[0] for k, v in out.items()}


def result_html(result: Any, header: dict[str, Any], fields: list[str],
                main: dict[str, pd.DataFrame] | None = None) -> str:
    """A step result as compact HTML for JupyterLab: a few header lines, then each field, its shape and description.

    ``main`` tables (aggregates only: never a table with customer ids) are shown after the fields, at most
    :data:`MAIN_ROWS` rows each. Every text is escaped.

    Examples
    --------
    >>> class R:
    ...     '''R.
    ...
    ...     Attributes
    ...     ----------
    ...     arms : pandas.DataFrame
    ...         One row per group.
    ...     '''
    ...     arms = pd.DataFrame({"n": [1, 2]})
    >>> html = result_html(R(), {"campaign": "c18"}, ["arms"])
    >>> "<b>campaign</b>: c18" in html, "<code>arms</code>" in html, "2x1" in html, "One row per group." in html
    (True, True, True, True)
    """
    import html as html_lib

    esc = html_lib.escape
    descriptions = field_descriptions(type(result))
    head = "".join(f"<li><b>{esc(str(k))}</b>: {esc(_clip(v))}</li>" for k, v in header.items() if v not in (None, ""))
    rows = "".join(
        f"<tr><td style='text-align:left'><code>{esc(name)}</code></td>"
        f"<td style='text-align:left'>{esc(_shape(getattr(result, name, None)))}</td>"
        f"<td style='text-align:left'>{esc(descriptions.get(name, ''))}</td></tr>"
        for name in fields)
    tables = "".join(
        f"<p style='margin:0.6em 0 0.2em'><b>{esc(name)}</b>"
        + (f" (first {MAIN_ROWS} of {len(df):,} rows)" if len(df) > MAIN_ROWS else "") + "</p>"
        + df.head(MAIN_ROWS).to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.4g}")
        for name, df in (main or {}).items() if isinstance(df, pd.DataFrame) and not df.empty)
    return (f"<div><b>{esc(type(result).__name__)}</b><ul style='margin:0.2em 0'>{head}</ul>"
            "<table><thead><tr><th style='text-align:left'>field</th><th style='text-align:left'>size</th>"
            f"<th style='text-align:left'>what it holds</th></tr></thead><tbody>{rows}</tbody></table>{tables}"
            "<small>Shift+Tab on a function shows its help; <code>result.&lt;field&gt;</code> shows a table. "
            "Tables holding customer ids are listed here by size only.</small></div>")


def _shape(value: Any) -> str:
    if isinstance(value, (pd.DataFrame, dict)) or value is None:
        text = describe_table(value)
        return text if len(text) <= 80 else text[:77] + "..."

    if isinstance(value, (list, tuple)):
        return f"{len(value)} item(s)"
    return _clip(str(value))[:60]


def say_written(folder: Any, files: list[str], section: str) -> None:
    """One line after a step's ``write``: which files and which summary section it wrote, in which folder (the
    run's ``report_dir``: where a reader of the published page finds the files)."""
    names = ", ".join(f"`{f}`" for f in files)
    show_markdown(f"Wrote {names + ' and ' if names else ''}the `{section}` section of `summary.json` in `{folder}`.")


#: The longest method label in a table; the footnote under the table gives the full method.
LABEL_CHARS = 32


def short_method(method: str) -> str:
    """A method's name short enough for a table column: no parentheses, no "with ..." or ", ..." clause.

    Examples
    --------
    >>> short_method("Lin (2013) interacted OLS regression adjustment, HC2 robust SE (statsmodels)")
    'Lin interacted OLS regression…'
    >>> short_method("Fisher exact test (scipy) with Newcombe hybrid score interval (statsmodels)")
    'Fisher exact test'
    """
    text = re.sub(r"\s*\([^)]*\)", "", str(method))
    text = re.split(r",| with |;", text, maxsplit=1)[0].strip()
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 2].rstrip() + "…"


def label_methods(methods: pd.Series) -> tuple[pd.Series, str]:
    """Short method labels numbered ``[1]``, ``[2]``, ... and the markdown footnote that spells each one out.

    Examples
    --------
    >>> labels, note = label_methods(pd.Series(["Welch t-test (scipy)", "", "Welch t-test (scipy)"]))
    >>> labels.tolist(), note
    (['Welch t-test [1]', '', 'Welch t-test [1]'], 'Methods: [1] Welch t-test (scipy).')
    """
    full = [m for m in dict.fromkeys(methods.fillna("").astype(str)) if m]
    number = {m: i for i, m in enumerate(full, start=1)}
    labels = methods.fillna("").astype(str).map(lambda m: f"{short_method(m)} [{number[m]}]" if m else "")
    note = "Methods: " + " ".join(f"[{i}] {m}." for m, i in number.items()) if full else ""
    return labels, note


def drop_empty_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the columns that hold no value at all (all missing), which only take width on screen.

    Examples
    --------
    >>> drop_empty_columns(pd.DataFrame({"a": [1, 2], "b": [None, None]})).columns.tolist()
    ['a']
    """
    return table.loc[:, table.notna().any(axis=0)] if len(table) else table
