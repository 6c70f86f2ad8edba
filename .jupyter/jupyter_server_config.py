# JupyterLab on this project, as `make lab` starts it (`--config=.jupyter/jupyter_server_config.py`).
from pathlib import Path

c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)

# The notebook templates (notebooks/*.ipynb) are saved without outputs, as the nbstripout git filter commits them.
c.FileContentsManager.pre_save_hook = "campaignlab.run.lab.strip_template_outputs"
# No autosave: edits to a template (its parameters cell included) are saved only when the analyst saves.
# overrides.json in this folder turns it off; Lab reads overrides from its app settings folder.
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab" / "settings")
