#!/usr/bin/env python3
"""Checks for scripts/browser-check.sh, on what headless Chromium produced:

    browser-check.py links DOM.html             every in-page link (href="#x") of the DOM
                                                Chromium built lands on an element with id x
    browser-check.py timeline DOM.html          the DOM has the expiry timeline SVG with bars
    browser-check.py extract PAGE.html ID OUT.html
                                                OUT.html: PAGE's head (its styles) and the
                                                <section id=ID> alone, to screenshot it
    browser-check.py pixels SHOT.png MIN COLOUR...
                                                the screenshot has at least MIN pixels of the
                                                given colours (#rrggbb): the SVG was painted

Standard library only (the PNG is decoded here: 8-bit RGB or RGBA, not interlaced, as
Chromium writes its screenshots).
"""
import struct
import sys
import zlib
from html.parser import HTMLParser


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []
        self.in_timeline = 0
        self.timeline, self.bars, self.labels = False, 0, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(a["href"][1:])
        classes = (a.get("class") or "").split()
        if tag == "svg" and "timeline" in classes:
            self.timeline = True
            self.in_timeline += 1
        elif self.in_timeline:
            if tag == "rect" and "seg" in classes and float(a.get("width", "0")) > 0:
                self.bars += 1
            if tag == "text" and "label" in classes:
                self.labels += 1

    def handle_endtag(self, tag):
        if tag == "svg" and self.in_timeline:
            self.in_timeline -= 1


def parse(path):
    c = Collector()
    with open(path, encoding="utf-8") as f:
        c.feed(f.read())
    return c


def links(path):
    c = parse(path)
    broken = [l for l in c.links if l not in c.ids]
    if len(c.links) < 10:
        print(f"browser-check: only {len(c.links)} in-page link(s): no table of contents?")
        return 1
    if broken:
        print(f"browser-check: {len(broken)} link(s) land nowhere: {', '.join('#' + b for b in broken[:10])}")
        return 1
    print(f"browser-check: {len(c.links)} in-page link(s), every one lands on an element")
    return 0


def timeline(path):
    c = parse(path)
    if not c.timeline or c.bars == 0 or c.labels == 0:
        print(f"browser-check: timeline svg={c.timeline} bars={c.bars} labels={c.labels}")
        return 1
    print(f"browser-check: timeline SVG with {c.labels} certificate(s), {c.bars} bar segment(s)")
    return 0


def png_pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    for line in rows:
        for x in range(width):
            yield tuple(line[x * channels:x * channels + 3])


def pixels(path, minimum, colours):
    wanted = {tuple(int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)) for c in colours}
    found = sum(1 for p in png_pixels(path) if p in wanted)
    print(f"browser-check: {found} pixel(s) of the timeline's bar colours in {path}")
    return 0 if found >= int(minimum) else 1


def extract(page, section, out):
    with open(page, encoding="utf-8") as f:
        html = f.read()
    start = html.find(f'<section id="{section}"')
    if start < 0:
        print(f"browser-check: no section #{section} in {page}")
        return 1
    end = html.index("</section>", start) + len("</section>")
    head = html[:html.index("<main>") + len("<main>")]
    with open(out, "w", encoding="utf-8") as f:
        f.write(head + html[start:end] + "</main></body></html>")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "links":
        return links(argv[1])
    if len(argv) >= 2 and argv[0] == "timeline":
        return timeline(argv[1])
    if len(argv) == 4 and argv[0] == "extract":
        return extract(argv[1], argv[2], argv[3])
    if len(argv) >= 4 and argv[0] == "pixels":
        return pixels(argv[1], argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
