"""Contest pages. Registration, delegations and the draw land here with their issues."""

from flask import Blueprint

bp = Blueprint("contests", __name__, template_folder="templates", url_prefix="/contests")
