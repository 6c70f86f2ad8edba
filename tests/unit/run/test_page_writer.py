"""The runner's background page writer: pages written after the block, errors raised, a block's own error kept."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from campaignlab.run import pages


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Campaign 18"), nbformat.v4.new_code_cell("1 + 1")]
    path = folder / "02_segment.ipynb"
    nbformat.write(nb, path)
    return path


def test_pages_are_written_when_the_block_ends(tmp_path):
    notebook = _notebook(tmp_path)
    with pages.PageWriter() as writer:
        writer.submit(notebook, tmp_path / "02_segment.html", title="cj_campaign_18 · 02 segment")
        writer.submit(notebook, tmp_path / "review.html", hide_code=True, title="review")
    page = (tmp_path / "02_segment.html").read_text()
    assert "<title>cj_campaign_18 · 02 segment</title>" in page and "Campaign 18" in page
    assert "1 + 1" not in (tmp_path / "review.html").read_text()  # code hidden


def test_a_page_that_cannot_be_written_fails_the_block(tmp_path):
    with pytest.raises(FileNotFoundError):
        with pages.PageWriter() as writer:
            writer.submit(tmp_path / "absent.ipynb", tmp_path / "page.html")


def test_the_blocks_own_error_wins_and_pages_are_waited_for(tmp_path):
    notebook = _notebook(tmp_path)
    with pytest.raises(RuntimeError, match="notebook failed"):
        with pages.PageWriter() as writer:
            writer.submit(tmp_path / "absent.ipynb", tmp_path / "page.html")
            writer.submit(notebook, tmp_path / "written.html")
            raise RuntimeError("notebook failed")
    assert (tmp_path / "written.html").is_file()


def test_wait_without_raising_returns_once_every_page_is_done(tmp_path):
    notebook = _notebook(tmp_path)
    with pages.PageWriter() as writer:
        writer.submit(tmp_path / "absent.ipynb", tmp_path / "page.html")
        writer.submit(notebook, tmp_path / "written.html")
        writer.wait(raise_errors=False)
        assert (tmp_path / "written.html").is_file()
