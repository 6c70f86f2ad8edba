"""Statistics layer: estimators and tables (effects, causal, lifetime value, segmentation, retention, response,
portfolio). Pure table -> table functions; no IO, no drawing.
"""
