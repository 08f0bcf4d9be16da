"""URL arguments of the judging routes (scoring, draw, judges). Every judging route is keyed by ``event_id``
alone (resolved to 电工 DG in route_args.py, where chief-dg and judge-dg-1 are assigned); other ids travel
in forms and JSON bodies. A login card's ``token`` is a made-up one: the walk must not log anyone in."""


def _card_token(role):
    return "no-such-card-token"


RESOLVERS: dict = {"token": _card_token}
