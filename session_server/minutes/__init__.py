"""The minutes (biên bản) of a room, folded from its log, and the secretariat's tables."""
