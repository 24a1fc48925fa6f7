"""Names of uploaded files: one rule for every upload (evidence, controlled documents,
registry YAML), on the pages and through the API.

A name longer than MAX_UPLOAD_NAME_BYTES (UTF-8) is refused: file systems hold at most 255
bytes per name, and Django shortens names past 255 characters without saying so, so a
lower limit is the only one that is both storable and never silently cut.
"""

from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_UPLOAD_NAME_BYTES = 200


def upload_name_problem(name: str) -> str | None:
    """Why this upload's name is refused, or None."""
    plain = PurePath(name or "").name
    size = len(plain.encode("utf-8", errors="surrogatepass"))
    if size > MAX_UPLOAD_NAME_BYTES:
        return (
            f"The file name is too long ({size} bytes in UTF-8; at most "
            f"{MAX_UPLOAD_NAME_BYTES} are accepted). Rename the file and upload it again."
        )
    return None


def validate_upload_name(upload) -> None:
    """A form or serializer field validator: raises ValidationError for too long a name."""
    problem = upload_name_problem(getattr(upload, "name", "") or "")
    if problem:
        raise ValidationError(problem, code="name_too_long")
