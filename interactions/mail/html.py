"""HTML mail bodies to plain text, with the standard library's HTMLParser: scripts, styles and
the head are dropped (never executed or kept), block elements become line breaks, list items get
a dash, and a blockquote's lines get "> " so the quote stripper removes quoted history the same
way as in a plain-text reply. The output is text only: nothing of it is ever rendered as HTML."""
from html.parser import HTMLParser

_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "h1", "h2", "h3",
    "h4", "h5", "h6", "pre", "hr", "address", "center", "dl", "dt", "dd",
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0

    def _break(self) -> None:
        text = "".join(self.current)
        text = text if self.pre else " ".join(text.split())
        prefix = "> " * self.quote
        self.lines.append(prefix + text if text or not prefix else prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self._break()
        elif tag == "blockquote":
            self._break()
            self.quote += 1
        elif tag == "li":
            self._break()
            self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre += 1
            self._break()

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr"):
            self._break()

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self._break()
            self.quote = max(0, self.quote - 1)
        elif tag in _BLOCK or tag == "li":
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._break()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)

    def text(self) -> str:
        self._break()
        out, blank = [], False
        for line in self.lines:
            line = line.rstrip()
            if not line.strip("> "):
                if not blank and out:
                    out.append(line.rstrip() if line.startswith(">") else "")
                blank = True
                continue
            out.append(line)
            blank = False
        return "\n".join(out).strip()


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # noqa: BLE001  (HTMLParser is lenient; anything else: the text so far)
        pass
    return parser.text()
