"""Reading a resume file: .txt and .md as text, .pdf through pypdf, .docx through the standard
library (a .docx is a zip of XML, so no python-docx and its lxml). Every failure is one
actionable line (UnusableInput): empty, binary, damaged, locked, or a scan with no text layer.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ..errors import MissingDependency, UnusableInput

MAX_RESUME_BYTES = 5_000_000  # a resume is a few pages; a larger file is not one


def read_resume(path: str | Path) -> str:
    """The resume's text; UnusableInput with what to do when there is none to read."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UnusableInput(f"{path}: no such resume file")
    size = path.stat().st_size
    if size == 0:
        raise UnusableInput(f"{path} is empty: give the resume as .txt, .md, .pdf or .docx")
    if size > MAX_RESUME_BYTES:
        raise UnusableInput(f"{path} is {size / 1e6:.0f} MB, too large for a resume (limit 5 MB)")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(path)
    elif suffix == ".docx":
        text = _docx_text(path)
    elif suffix in (".doc", ".rtf", ".odt", ".pages"):
        raise UnusableInput(f"{path}: {suffix} files are not read; save the resume as .pdf, .docx, .md or .txt")
    else:
        data = path.read_bytes()
        if b"\x00" in data[:4096]:
            raise UnusableInput(f"{path} is not a text file; give the resume as .txt, .md, .pdf or .docx")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # old Windows exports: readable, never fatal
    if not re.search(r"[A-Za-z]{2}", text):
        raise UnusableInput(f"{path} has no readable text: give the resume as .txt, .md, .pdf or .docx")
    return text


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise MissingDependency("reading PDF resumes needs pypdf: pip install pypdf") from exc
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - any failure means "locked"
                raise UnusableInput(f"{path} is password-protected: save an unlocked copy") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnusableInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnusableInput(f"{path} is not a readable PDF ({type(exc).__name__}): re-export it, or give "
                            ".txt/.md/.docx") from exc
    text = "\n".join(pages)
    if not re.search(r"[A-Za-z]{2}", text):
        raise UnusableInput(f"{path} has no text layer ({len(pages)} page(s) of images, a scan?): export the "
                            "resume as text, or run OCR first (e.g. ocrmypdf)")
    return text


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_text(path: Path) -> str:
    """Paragraph text of word/document.xml (tables included): a .docx is a zip of XML."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise UnusableInput(f"{path} is not a readable .docx ({type(exc).__name__}): re-save it, or give "
                            ".pdf/.txt/.md") from exc
    lines = ["".join(node.text or "" for node in para.iter(f"{_W}t")) for para in root.iter(f"{_W}p")]
    return "\n".join(lines)
