"""One module per notebook: ``analyse(run) -> Result``, ``show_*(result)`` views, ``write(run, result)``."""
