"""URL arguments for the team-event routes."""

RESOLVERS = {"team_id": lambda role: 1}  # the demo has no teams: a delegation organiser gets 404, others 403
