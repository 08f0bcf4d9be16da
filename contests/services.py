"""Services of the contests package: the operations views call, one per request."""
