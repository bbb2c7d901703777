"""Files as applicants attach them: real, small files of their kind."""


def pdf() -> bytes:
    """A one-page PDF."""
    body = (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    )
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"
