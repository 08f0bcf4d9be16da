"""The draw: two rounds (order, then sealed codes) and the station draw, per event."""

from flask import Blueprint

bp = Blueprint("draw", __name__, template_folder="templates", url_prefix="/draw")
