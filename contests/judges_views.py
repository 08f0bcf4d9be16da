"""Judges: profiles, assignment to events and marking teams, recusal conflicts."""

from flask import Blueprint

bp = Blueprint("judges", __name__, template_folder="templates", url_prefix="/judges")
