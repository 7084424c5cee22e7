"""Tools for staff: checking the knowledge (lint), the spreadsheet round trip, and the opt-in question log."""
