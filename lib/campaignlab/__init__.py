"""campaignlab: reproducible campaign analytics for marketing and CRM analysts."""

__version__ = "0.1.0"
