"""The JupyterLab pre-save hook strips outputs from notebook templates only, in the model it is given."""

from __future__ import annotations

from types import SimpleNamespace

from campaignlab.run.lab import strip_template_outputs


def model_with_outputs() -> dict:
    cell = {"cell_type": "code", "id": "p1", "metadata": {"tags": ["parameters"], "execution": {"x": 1}},
            "source": 'params_path = "params/cj_campaign_27.yaml"', "execution_count": 7,
            "outputs": [{"output_type": "stream", "name": "stderr", "text": "TqdmWarning"},
                        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR"}}]}
    markdown = {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# Response"}
    return {"type": "notebook", "format": "json",
            "content": {"nbformat": 4, "nbformat_minor": 5, "metadata": {"widgets": {}}, "cells": [markdown, cell]}}


def test_a_template_is_saved_without_outputs_counts_or_run_metadata(tmp_path):
    (tmp_path / "params").mkdir()
    model = model_with_outputs()
    strip_template_outputs(model, "notebooks/03_response.ipynb", contents_manager=SimpleNamespace(root_dir=tmp_path))
    cells = model["content"]["cells"]
    assert [c["id"] for c in cells] == ["m1", "p1"]
    code = cells[1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["metadata"] == {"tags": ["parameters"]} and "widgets" not in model["content"]["metadata"]
    assert code["source"] == 'params_path = "params/cj_campaign_27.yaml"'  # the edit itself is the analyst's


def test_other_notebooks_keep_their_outputs(tmp_path):
    (tmp_path / "params").mkdir()
    for path in ("outputs/_interactive/03_response.ipynb", "scratch.ipynb", "notebooks/sub/x.ipynb"):
        model = model_with_outputs()
        strip_template_outputs(model, path, contents_manager=SimpleNamespace(root_dir=tmp_path))
        assert len(model["content"]["cells"][1]["outputs"]) == 2, path


def test_files_that_are_not_notebooks_are_left_alone(tmp_path):
    (tmp_path / "params").mkdir()
    model = {"type": "file", "format": "text", "content": "outputs"}
    strip_template_outputs(model, "notebooks/readme.txt", contents_manager=SimpleNamespace(root_dir=tmp_path))
    assert model["content"] == "outputs"
