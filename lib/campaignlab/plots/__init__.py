"""Figures: ``plot_*(..., ax=None) -> Axes`` and the house theme. Draws only; computes nothing new."""
