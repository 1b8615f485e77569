"""The text of a PDF that WeasyPrint wrote, for asserting what a printout says.

No PDF library is installed, and WeasyPrint's PDFs are simple: Flate streams,
objects in object streams, fonts with a ToUnicode map, text drawn by `Tj`/`TJ`
with hexadecimal glyph strings. This reads exactly that, nothing more.
"""

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
STREAM = re.compile(rb"^(<<.*?>>)\s*stream\r?\n(.*)endstream\s*$", re.S)
REFERENCE = rb"(\d+) 0 R"


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary, decompressed stream or None)."""
    objects = {}
    for match in OBJECT.finditer(pdf):
        body = match.group(2).strip()
        stream = STREAM.match(body)
        if stream:
            data = stream.group(2)
            if b"/FlateDecode" in stream.group(1):
                data = zlib.decompressobj().decompress(data)
            objects[int(match.group(1))] = (stream.group(1), data)
        else:
            objects[int(match.group(1))] = (body, None)
    for head, data in list(objects.values()):
        if data is None or b"/ObjStm" not in head:
            continue
        first = int(re.search(rb"/First (\d+)", head).group(1))
        numbers = [int(n) for n in data[:first].split()]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
        for index, (number, offset) in enumerate(pairs):
            end = pairs[index + 1][1] if index + 1 < len(pairs) else len(data)
            objects[number] = (data[first + offset : first + end].strip(), None)
    return objects


def _cmap(data: bytes) -> dict[str, str]:
    glyphs = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            glyphs[code.decode().lower()] = bytes.fromhex(text.decode()).decode(
                "utf-16-be"
            )
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, text in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            start = ord(bytes.fromhex(text.decode()).decode("utf-16-be")[0])
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                glyphs[f"{code:0{len(low)}x}"] = chr(start + offset)
    return glyphs


def pdf_text(pdf: bytes) -> str:
    """All text drawn in the PDF, in drawing order, with every run of white
    space (a line wrapped in a table cell, too) made one space."""
    objects = _objects(pdf)
    font_maps = {}
    for head, _data in objects.values():
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", head, re.S)
        reference = re.search(rb"/Font " + REFERENCE, head)
        if reference:
            font_dict = objects[int(reference.group(1))][0]
        elif font_dict:
            font_dict = font_dict.group(1)
        else:
            continue
        for name, number in re.findall(rb"/([\w.+-]+)\s+" + REFERENCE, font_dict):
            to_unicode = re.search(rb"/ToUnicode " + REFERENCE, objects[int(number)][0])
            if to_unicode:
                font_maps[name] = _cmap(objects[int(to_unicode.group(1))][1])
    lines = []
    for head, data in objects.values():
        if data is None or b"BT" not in data or b"/Length1" in head:
            continue
        glyphs: dict[str, str] = {}
        for token in re.finditer(
            rb"/([\w.+-]+)\s+[\d.]+\s+Tf|(\[.*?\])\s*TJ|(<[0-9a-fA-F]*>)\s*Tj", data
        ):
            if token.group(1):
                glyphs = font_maps.get(token.group(1), {})
                continue
            shown = token.group(2) or token.group(3)
            text = ""
            for hexed in re.findall(rb"<([0-9a-fA-F]*)>", shown):
                hexed = hexed.decode().lower()
                for index in range(0, len(hexed), 4):
                    text += glyphs.get(hexed[index : index + 4], "\ufffd")
            lines.append(text)
    return " ".join(" ".join(lines).split())
