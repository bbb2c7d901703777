"""The conventions checker (issue 18): what a page, a workbook or a document shows a person,
read as that person reads it, against the way a Chinese government user writes figures, dates,
periods and sentences (portal/formats.py writes them; this module checks they were used).

`page_problems(html, language)` takes a page's HTML, keeps the text a person sees (the title, the
body's text, tooltips, placeholders, labels of buttons; not scripts, styles or input values,
which follow the HTML input types' own formats) and returns what breaks a rule, quoted with its
context. `text_problems(text)` checks any text (a workbook's cells, a PDF's text).

Machine text shown on purpose (a formula's element codes on the setup pages, an API token) is
marked up as such with <code>, <kbd> or <samp> and is not read. In English mode, the sentences the
portal writes itself (history entries, messages; marked with data-system) must be English: the
user's own words in them (names, titles, reasons) are marked data-user or quoted and are skipped.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = f"[{CJK}]"


@dataclass(frozen=True)
class Rule:
    code: str
    pattern: re.Pattern[str]
    says: str


def _rule(code: str, pattern: str, says: str) -> Rule:
    return Rule(code, re.compile(pattern), says)


# Rules for every text in Chinese mode (and the language-neutral ones in English mode).
NEUTRAL_RULES = (
    _rule("iso-date", r"(?<![\d/-])\d{4}[-/]\d{1,2}[-/]\d{1,2}(?![\d/-])", "an ISO date"),
    _rule("quarter-code", r"(?<![\w])\d{4} ?[Qq][1-4](?![\w])", "a period written 2025Q2"),
    _rule("code-token", r"(?<![\w.])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w])", "an internal code"),
    _rule("placeholder", r"-{5,}", "Django's empty choice ---------"),
    _rule(
        "exception",
        r"(?<![\w])[A-Z][A-Za-z]*(?:Error|Exception|DoesNotExist)(?![\w])",
        "a Python exception name",
    ),
    _rule(
        "count-decimals",
        r"(?<![\d.,])\d[\d,]*\.\d+ ?(?:件|家|项|人次|个|所|次)",
        "a count with decimals",
    ),
    _rule("yuan-cents", r"(?<![\d.,])\d{4,}\.\d\d(?![\d])", "yuan with cents and no separators"),
    _rule(
        "no-separators",
        r"(?<![\d.,])\d{5,}(?:\.\d+)? ?(?:万元|亿元|元|件|家|项|人次)",
        "a figure without thousands separators",
    ),
)
CHINESE_RULES = (
    *NEUTRAL_RULES,
    # Python's None (in English mode the word is English: "None.", "None available").
    _rule("none", r"(?<![\w])None(?![\w])", "Python's None"),
    _rule("slug", r"(?<![\w./@-])[a-z]+(?:-[a-z]+)+(?![\w./@-])", "a slug"),
    _rule("ascii-colon", rf"{HAN} ?:(?!//)", "an ASCII colon after Chinese"),
    _rule("ascii-comma", rf"{HAN},", "an ASCII comma after Chinese"),
    _rule("english-stop", rf"{HAN}\.(?=\s|$)", "an English full stop after Chinese"),
    _rule("straight-quotes", rf"\"[^\"\n]*{HAN}[^\"\n]*\"", "straight quotes around Chinese"),
    _rule("nested-quotes", r"“[^”]*“", "a quote opened twice (nested quotes need ‘’)"),
)
ENGLISH_RULES = (
    *NEUTRAL_RULES,
    _rule("chinese-date", r"\d{4}年\d{1,2}月(?:\d{1,2}日)?", "a Chinese date in English mode"),
    _rule("chinese-period", r"\d{4}年第[一二三四1-4]季度", "a Chinese period in English mode"),
)
# English mode: a sentence the portal wrote (a history entry, a message) must not be Chinese.
# The user's words inside it are quoted (“…”, 《…》) or marked data-user and skipped; what is
# left may hold a name (a region, an organisation, an indicator: 、 and 的 are in names) but no
# Chinese sentence: no sentence punctuation and none of the words the portal's sentences use.
SENTENCE = re.compile(r"[，。：；！？]|请|已|不能|无法|不得|须|没有|可以")
QUOTED = re.compile(r"“[^”]*”|《[^》]*》|‘[^’]*’|「[^」]*」")

SKIPPED_ELEMENTS = {"script", "style", "template", "code", "kbd", "samp", "noscript", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
BUTTON_INPUTS = {"submit", "button", "reset"}


class _Text(HTMLParser):
    """The text a person sees, in document order, and the text of system-written parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.system: list[list[str]] = []  # one list of parts per data-system element
        self._stack: list[tuple[str, bool, bool, bool]] = []  # tag, skipped, system, user
        self._in_head = False

    def _flags(self) -> tuple[bool, bool, bool]:
        skipped = any(s for _t, s, _y, _u in self._stack)
        system = any(y for _t, _s, y, _u in self._stack)
        user = any(u for _t, _s, _y, u in self._stack)
        return skipped, system, user

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "head":
            self._in_head = True
        skipped_above, _system, _user = self._flags()
        if not skipped_above:
            for name in SHOWN_ATTRIBUTES:
                if found.get(name):
                    self.parts.append(str(found[name]))
            if tag == "input" and (found.get("type") or "").lower() in BUTTON_INPUTS:
                self.parts.append(str(found.get("value") or ""))
        if tag in VOID:
            return
        skipped = tag in SKIPPED_ELEMENTS or (self._in_head and tag not in {"head", "title"})
        system = "data-system" in found
        if system and not skipped_above:
            self.system.append([])
        self._stack.append((tag, skipped, system, "data-user" in found))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        # Close up to the matching open tag (HTML lets some end tags be left out).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        skipped, system, user = self._flags()
        if skipped or (self._in_head and not any(t == "title" for t, *_ in self._stack)):
            return
        self.parts.append(data)
        if system and not user and self.system:
            self.system[-1].append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visible_text(html: str) -> tuple[str, list[str]]:
    """The page's visible text (one line per text node) and its system-written sentences."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [_squash(part) for part in parser.parts]
    return "\n".join(line for line in lines if line), [
        _squash(" ".join(parts)) for parts in parser.system
    ]


def _context(text: str, match: re.Match[str]) -> str:
    start, end = max(match.start() - 20, 0), min(match.end() + 20, len(text))
    return text[start:end].replace("\n", " ⏎ ")


def text_problems(text: str, language: str = "zh-hans") -> list[str]:
    """What in `text` breaks a rule: "rule: …context…" for each place."""
    if language == "neutral":
        rules: tuple[Rule, ...] = NEUTRAL_RULES
    else:
        rules = CHINESE_RULES if language.startswith("zh") else ENGLISH_RULES
    found = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            found.append(f"{rule.says} [{rule.code}]: …{_context(text, match)}…")
    return found


def file_problems(text: str, language: str) -> list[str]:
    """A workbook's or a document's text. Downloaded from the Chinese pages, it is held to the
    Chinese rules; from the English pages, to the rules of every language only: a file is kept
    and passed on, so one written in Chinese (an export made earlier, an official document)
    stays Chinese, and an English one may quote Chinese names with English punctuation."""
    return text_problems(text, language if language.startswith("zh") else "neutral")


def sentence_problems(sentences: list[str]) -> list[str]:
    """English mode: system-written sentences that are Chinese."""
    found = []
    for sentence in sentences:
        unquoted = QUOTED.sub("", sentence)
        if SENTENCE.search(unquoted):
            found.append(f"a Chinese sentence in English mode [chinese-sentence]: {sentence}")
    return found


def page_problems(html: str, language: str) -> list[str]:
    text, sentences = visible_text(html)
    found = text_problems(text, language)
    if not language.startswith("zh"):
        found += sentence_problems(sentences)
    return found
