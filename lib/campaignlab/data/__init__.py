"""Data layer: the canonical data model, the bundled adapter, cleaning rules, windows and per-customer outcomes.
Pure: reads nothing and writes nothing (campaignlab.iorw does).
"""
