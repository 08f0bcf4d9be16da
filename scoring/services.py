"""Services of the scoring package: the operations views call, one per request."""
