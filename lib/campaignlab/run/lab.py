"""JupyterLab on the project (``make lab``): keep the notebook templates free of outputs when Lab saves them.

The templates in ``notebooks/`` are the source and are committed without outputs (the nbstripout git filter). Lab
saves what the kernel showed, so :func:`strip_template_outputs` runs as the server's pre-save hook
(``.jupyter/jupyter_server_config.py``) and strips the notebook model in memory, as the git filter would, before the
server writes it. Notebooks anywhere else (a copy saved under ``outputs/``) keep their outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The folder of the notebook templates, under the project root.
TEMPLATES = "notebooks"
#: The metadata the nbstripout command line removes by default (its ``extra_keys``), so the hook and the filter agree.
STRIPPED_METADATA = ["metadata.signature", "metadata.widgets", "cell.metadata.collapsed", "cell.metadata.ExecuteTime",
                     "cell.metadata.execution", "cell.metadata.heading_collapsed", "cell.metadata.hidden",
                     "cell.metadata.scrolled"]


def is_template(os_path: str | Path) -> bool:
    """Whether ``os_path`` is a notebook template: an ``.ipynb`` directly in a project's ``notebooks/`` folder.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "params").mkdir()
    >>> is_template(root / "notebooks" / "03_response.ipynb"), is_template(root / "outputs" / "03_response.ipynb")
    (True, False)
    """
    path = Path(os_path)
    return (path.suffix == ".ipynb" and path.parent.name == TEMPLATES
            and (path.parent.parent / "params").is_dir())


def strip_outputs(nb: dict[str, Any]) -> dict[str, Any]:
    """Strip outputs and execution counts from a notebook (in place), as the project's nbstripout git filter does.

    Cell ids are kept (``--keep-id``), so a template's diff shows only what was edited.

    Examples
    --------
    >>> nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "id": "a",
    ...       "metadata": {}, "source": "1 + 1", "execution_count": 3,
    ...       "outputs": [{"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {},
    ...                    "execution_count": 3}]}]}
    >>> cell = strip_outputs(nb)["cells"][0]
    >>> cell["outputs"], cell["execution_count"], cell["id"]
    ([], None, 'a')
    """
    import nbformat
    from nbstripout import strip_output

    node = nbformat.from_dict(nb)
    stripped = strip_output(node, keep_output=False, keep_count=False, keep_id=True,
                           extra_keys=STRIPPED_METADATA)
    nb.clear()
    nb.update(stripped)
    return nb


def strip_template_outputs(model: dict[str, Any], path: str, contents_manager: Any = None, **kwargs: Any) -> None:
    """Jupyter server pre-save hook: strip outputs from a notebook template before it is saved.

    ``path`` is the API path, relative to the server's root folder (``contents_manager.root_dir``). Only the model
    in memory changes; the server writes it.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = Path(getattr(contents_manager, "root_dir", "") or ".")
    if is_template(root / path.lstrip("/")):
        strip_outputs(model["content"])
