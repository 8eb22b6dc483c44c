"""Reading a PDF in tests: its text (pypdf: WeasyPrint writes text as glyph codes, so the bytes
never hold it) and its structure tree (pikepdf), for the review pack's checks."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
import pypdf


def pdf_text(content: bytes) -> str:
    """The text of every page, in reading order, whitespace made single spaces."""
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


@dataclass(frozen=True)
class Element:
    """One structure element: its type (H1, Table, Figure...) and its /Alt, if any."""

    kind: str
    alt: str | None


def structure(pdf: pikepdf.Pdf) -> list[Element]:
    """Every element of the structure tree, depth first."""
    return list(_walk(pdf.Root.StructTreeRoot.get("/K")))


def _walk(node: object) -> Iterator[Element]:
    if isinstance(node, pikepdf.Array):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        alt = node.get("/Alt")
        yield Element(str(node["/S"]).lstrip("/"), None if alt is None else str(alt))
        yield from _walk(node.get("/K"))
