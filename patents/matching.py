"""Matching technology needs to the pool: Chinese text similarity plus industry and IPC overlap.

Text: titles and abstracts are segmented with jieba's dictionary (rjieba, the Rust port), generic
patent words are dropped, and each document becomes a TF-IDF vector (titles count twice); the
similarity of a need and a patent is the cosine of their vectors. The score adds what a person
would check next: the same patent-intensive industry, and the same IPC main group (or subclass).

    score = 0.70 × cosine + 0.15 × same industry + 0.15 × IPC (1 same main group, ½ same subclass)

Every suggestion keeps why it matched: the terms that weigh most on both sides, the shared IPC,
the shared industry. Pure functions over plain values: the service loads and stores.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import rjieba

TEXT_WEIGHT, INDUSTRY_WEIGHT, IPC_WEIGHT = 0.70, 0.15, 0.15
MIN_SCORE = 0.08
TOP = 10
SHARED_TERMS = 5

# Words every patent title uses; they say nothing about what it is for.
STOPWORDS = frozenset(
    """一种 一 种 的 及其 及 其 和 与 或 等 用于 基于 方法 装置 系统 设备 结构 工艺
    制备 制备方法 应用
    所述 该 在 中 对 进行 包括 通过 使用 利用 采用 本 发明 实用新型 公开 涉及 领域 技术 具有 可 能
    以 为 是 了 有 将 由 从 上 下 内 外 其中 一个 多个 至少 以及 并 且 所 至 于 后 前 时 得到 提供
    需求 需要 希望 寻求 企业 我们 我司 合作 解决 问题 提高 提升 降低 实现 相关""".split()  # noqa: SIM905
)
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9\-]*$")
IPC_GROUP = re.compile(r"^([A-H]\d{2}[A-Z])(\d{1,4})(?:/|$)")


def terms(text: str) -> list[str]:
    """The meaningful words of a Chinese (or mixed) text, with repeats."""
    words = []
    for word in (*rjieba.cut(text or ""), *rjieba.cut_for_search(text or "")):
        word = word.strip().lower()
        if not word or word in STOPWORDS or not WORD.match(word):
            continue
        if len(word) == 1 and not CJK.match(word):
            continue
        words.append(word)
    return words


def ipc_keys(ipc: str) -> tuple[set[str], set[str]]:
    """(main groups "G06F16", subclasses "G06F") of an IPC list "G06F16/35;H04L9/32". A main
    group may be given alone ("H01M4") or with a space ("H01M 4/525")."""
    groups, subclasses = set(), set()
    text = re.sub(r"([A-H]\d{2}[A-Z])\s+(\d)", r"\1\2", (ipc or "").upper())
    for code in re.split(r"[;；,，\s]+", text):
        found = IPC_GROUP.match(code)
        if found:
            subclasses.add(found.group(1))
            groups.add(found.group(1) + found.group(2))
        elif re.match(r"^[A-H]\d{2}[A-Z]$", code):
            subclasses.add(code)
    return groups, subclasses


@dataclass
class Document:
    key: int
    words: Counter
    industry: str = ""
    ipc: str = ""
    vector: dict[str, float] = field(default_factory=dict)


def document(key: int, title: str, body: str, industry: str = "", ipc: str = "") -> Document:
    title_terms = terms(title)
    return Document(key, Counter(title_terms * 2 + terms(body)), industry, ipc)


def weigh(documents: Iterable[Document]) -> None:
    """TF-IDF vectors, L2-normalised, over these documents (the pool and the needs together)."""
    documents = list(documents)
    frequency = Counter()
    for doc in documents:
        frequency.update(doc.words.keys())
    total = len(documents)
    idf = {word: math.log((total + 1) / (count + 1)) + 1 for word, count in frequency.items()}
    for doc in documents:
        vector = {word: (1 + math.log(count)) * idf[word] for word, count in doc.words.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        doc.vector = {word: v / norm for word, v in vector.items()}


@dataclass(frozen=True)
class Suggestion:
    need: int
    patent: int
    score: float
    shared_terms: tuple[str, ...]
    same_industry: bool
    ipc_overlap: str


def compare(need: Document, patent: Document) -> Suggestion:
    shared = need.vector.keys() & patent.vector.keys()
    cosine = sum(need.vector[w] * patent.vector[w] for w in shared)
    same_industry = bool(need.industry) and need.industry == patent.industry
    need_groups, need_classes = ipc_keys(need.ipc)
    patent_groups, patent_classes = ipc_keys(patent.ipc)
    overlap, ipc_score = "", 0.0
    if need_groups & patent_groups:
        overlap, ipc_score = sorted(need_groups & patent_groups)[0], 1.0
    elif need_classes & patent_classes:
        overlap, ipc_score = sorted(need_classes & patent_classes)[0], 0.5
    score = TEXT_WEIGHT * cosine + INDUSTRY_WEIGHT * same_industry + IPC_WEIGHT * ipc_score
    top = sorted(shared, key=lambda w: need.vector[w] * patent.vector[w], reverse=True)
    return Suggestion(
        need=need.key,
        patent=patent.key,
        score=round(score, 4),
        shared_terms=tuple(top[:SHARED_TERMS]),
        same_industry=same_industry,
        ipc_overlap=overlap,
    )


def best(need: Document, patents: Iterable[Document], top: int = TOP) -> list[Suggestion]:
    """The `top` patents for a need, best first; a suggestion needs a shared term or a shared
    IPC, and a score of at least MIN_SCORE."""
    found = [compare(need, patent) for patent in patents]
    found = [s for s in found if (s.shared_terms or s.ipc_overlap) and s.score >= MIN_SCORE]
    return sorted(found, key=lambda s: (-s.score, s.patent))[:top]
