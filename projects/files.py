"""What an uploaded project attachment really is, judged by its content, not its name.

The checks are the portal's, shared by every upload (portal/uploads.py); this module keeps the
projects app's entry point: the kinds an attachment may be and the content type to store.
"""

from typing import IO

from portal import uploads

sniff = uploads.sniff


def check_upload(
    *, name: str, handle: IO[bytes], size: int, max_bytes: int, field: str | None = None
) -> str:
    """Refuse what is too big, of a kind not accepted, or not what its name says. Returns the
    content type to store."""
    return uploads.check_upload(
        name=name,
        handle=handle,
        size=size,
        max_bytes=max_bytes,
        accept=uploads.DOCUMENTS,
        field=field,
    ).content_type
