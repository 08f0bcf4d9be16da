"""Certificate pages: templates, batches, downloads and public verification."""

from flask import Blueprint

bp = Blueprint("certificates", __name__, template_folder="templates", url_prefix="/certificates")
