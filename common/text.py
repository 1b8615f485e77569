"""Text normalisation shared by models, forms and importers."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """Fold a name to the key that makes `Majelis Taklim Al-Ikhlas` and
    `MAJELIS TAKLIM AL IKHLAS` the same institution."""
    if not name.isascii():
        # Accents dropped: `Ré` -> `Re`. Most names are plain ASCII already.
        name = (
            unicodedata.normalize("NFKD", name)
            .encode("ascii", "ignore")
            .decode("ascii")
        )
    return _NOT_WORD.sub(" ", name.lower()).strip()
