"""Reader for scanned pages saved as images (PNG, JPEG, TIFF): OCR, one page per image or TIFF frame.

The image is wrapped as an image-only PDF (one page per frame, decoded one frame at a time, at the
resolution the file states or 300 dpi) and read by the PDF reader, so a scanned image is paragraphed,
paged and OCR-marked exactly like a scanned PDF. An image that is no document (a photograph, a logo) is refused with a clear message.
"""

from __future__ import annotations

import io
from pathlib import Path

from researchdesk.errors import CorruptFile, EmptyFile, ReadError
from researchdesk.ingest.readers.pdf import READER as PDF_READER
from researchdesk.models import ReadResult
from researchdesk.settings import Settings

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
MIN_SIDE = 300  # pixels: anything smaller cannot hold a readable page of text
# Pixel modes a PDF page image can carry as they are (others are converted to 8-bit grey first).
_PDF_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "CMYK"}


class ImageReader:
    """Scanned pages as images (read by OCR)."""

    format = "image"
    extensions: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

    def sniff(self, head: bytes, suffix: str) -> bool:
        return head.startswith(_SIGNATURES)

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the text OCR reads on the image's pages; refuse what holds no text."""
        from PIL import Image, ImageSequence, UnidentifiedImageError

        if not settings.ocr:
            raise ReadError(
                path,
                "images are read by OCR, and OCR is turned off",
                "Turn it on (RESEARCHDESK_OCR=true) and ingest the image again.",
            )
        try:
            image = Image.open(io.BytesIO(data))
            # Only the frames' headers are read here; pixels are decoded one frame at a time as the PDF
            # is written, so a 200-page TIFF never holds more than one page image.
            modes = [frame.mode for frame in ImageSequence.Iterator(image)]
            image.seek(0)
        except (UnidentifiedImageError, OSError, ValueError, EOFError) as exc:
            raise CorruptFile(
                path, f"the image cannot be opened ({exc})", "Check the file and save it again."
            ) from exc
        if not modes:
            raise EmptyFile(path, "the image has no pages", "Check the file.")
        if min(image.size) < MIN_SIDE:
            raise EmptyFile(
                path,
                f"the image is {image.size[0]}x{image.size[1]} pixels, too small to hold a page of text",
                "Scan the page at 300 dpi or better and ingest that.",
            )
        dpi = image.info.get("dpi", (300, 300))[0] or 300
        buffer = io.BytesIO()
        try:
            if set(modes) <= _PDF_MODES:
                image.save(buffer, format="PDF", save_all=True, resolution=float(dpi))
            else:  # 16-bit or float samples (rare in scans): PDF takes 8-bit grey, so convert them all
                frames = [frame.convert("L") for frame in ImageSequence.Iterator(image)]
                frames[0].save(
                    buffer, format="PDF", save_all=True, append_images=frames[1:], resolution=float(dpi)
                )
        except (OSError, ValueError, EOFError) as exc:
            raise CorruptFile(
                path, f"the image cannot be decoded ({exc})", "Check the file and save it again."
            ) from exc
        result = PDF_READER.read(path, buffer.getvalue(), settings)
        result.format = self.format
        return result


READER = ImageReader()
