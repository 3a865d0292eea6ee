"""The Bounced Email report: listings, details and their JSON shape."""
