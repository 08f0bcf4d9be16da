"""Judging and results pages. Marking schemes, score sheets and results land here with their issues."""

from flask import Blueprint

bp = Blueprint("scoring", __name__, template_folder="templates", url_prefix="/scoring")
