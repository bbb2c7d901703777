"""Matching technology needs to the pool: Chinese text similarity plus industry and IPC overlap.

Text: titles and abstracts are segmented with jieba's dictionary (rjieba, the Rust port), generic
patent words are dropped, and each document becomes a TF-IDF vector (titles count twice); the
similarity of a need and a patent is the cosine of their vectors. The score adds what a person
would check next: the same patent-intensive industry, and the same IPC main group (or subclass).

    score = 0.70 × cosine + 0.15 × same industry + 0.15 × IPC (1 same main group, ½ same subclass)

A suggestion needs a shared term or a shared IPC, and a score of at least MIN_SCORE; each need
gets its TOP best, ties in patent order. Every suggestion keeps why it matched: the terms that
weigh most on both sides, the shared IPC, the shared industry.

The pool is held as sparse matrices (a `Pool`: term frequencies of every patent, its IPC main
groups and subclasses, its industry), built once from the segmented documents and patched when
patents change: segmenting 200,000 patents takes longer than scoring 5,000 needs against them.
The weights that depend on the documents being compared (IDF over the pool and the needs of the
run, the vectors' lengths) are computed per run, vectorised; each need is then scored exactly
against the patents that can still reach its top, found from bounds (`_Run`), so the
suggestions are those of the plain definition above without scoring every pair. Pure functions
over plain values: patents/pool_index.py keeps a Pool current with the database, the service
stores the suggestions.
"""

import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
import rjieba
from scipy import sparse

TEXT_WEIGHT, INDUSTRY_WEIGHT, IPC_WEIGHT = 0.70, 0.15, 0.15
MIN_SCORE = 0.08
TOP = 10
SHARED_TERMS = 5
FORMAT = 1  # of a saved Pool; bump when its arrays change

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
        kept = _KEPT.get(word)
        if kept is None:
            kept = _kept(word)
        if kept:
            words.append(kept)
    return words


def _kept(word: str) -> str:
    """The word as matched (stripped, lower case), or "" when it says nothing; remembered, as
    the same few tens of thousands of words make up every text."""
    kept = word.strip().lower()
    if (
        not kept
        or kept in STOPWORDS
        or not WORD.match(kept)
        or (len(kept) == 1 and not CJK.match(kept))
    ):
        kept = ""
    if len(_KEPT) > 1_000_000:
        _KEPT.clear()
    _KEPT[word] = kept
    return kept


_KEPT: dict[str, str] = {}


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


def document(key: int, title: str, body: str, industry: str = "", ipc: str = "") -> Document:
    title_terms = terms(title)
    return Document(key, Counter(title_terms * 2 + terms(body)), industry, ipc)


@dataclass(frozen=True)
class Suggestion:
    need: int
    patent: int
    score: float
    shared_terms: tuple[str, ...]
    same_industry: bool
    ipc_overlap: str


class _Columns(dict):
    """name → column; a name not yet known gets the next column (and is listed)."""

    def __init__(self, names: dict[str, int], listing: list[str]):
        super().__init__(names)
        self.listing = listing

    def __missing__(self, name: str) -> int:
        column = self[name] = len(self.listing)
        self.listing.append(name)
        return column


def _matrix(rows: Iterable[tuple[Iterable[str], Iterable[float]]], columns: _Columns):
    """A CSR matrix of rows given as (names, values); new names get new columns."""
    indptr: list[int] = [0]
    indices: list[int] = []
    data: list[float] = []
    for names, values in rows:
        indices.extend(map(columns.__getitem__, names))
        data.extend(values)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (
            np.array(data, dtype=np.float64),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int64),
        ),
        shape=(len(indptr) - 1, len(columns.listing)),
    )
    matrix.sort_indices()
    return matrix


def _widen(matrix, columns: int):
    """The same rows with more (empty) columns on the right."""
    return sparse.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], columns)
    )


def _names(values: Iterable[str]) -> np.ndarray:
    return np.array(list(values), dtype=np.str_)


class Pool:
    """The pool as matrices, one row per patent (in no particular order; `keys` says which):
    term frequencies (1 + log count, per segmented word), IPC main groups and subclasses (1 where
    the patent has one), and the industry sub-field. `stamps` is a version per row, opaque here,
    by which patents/pool_index.py finds the rows to patch. Never changed once built: `patched`
    returns a new Pool (runs using the old one are not disturbed)."""

    def __init__(self, *, keys, stamps, tf, words, industry, industries, groups, group_names,
                 classes, class_names):  # fmt: skip
        self.keys, self.stamps, self.industry = keys, stamps, industry
        self.tf, self.groups, self.classes = tf, groups, classes
        self.words, self.industries = words, industries
        self.group_names, self.class_names = group_names, class_names
        self.vocabulary = {word: column for column, word in enumerate(words)}
        self.group_index = {name: column for column, name in enumerate(group_names)}
        self.class_index = {name: column for column, name in enumerate(class_names)}
        self.industry_index = {name: code for code, name in enumerate(industries)}
        self._derived: dict[str, object] = {}

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def empty(cls) -> "Pool":
        def nothing():
            return sparse.csr_matrix((0, 0), dtype=np.float64)

        return cls(
            keys=np.zeros(0, dtype=np.int64), stamps=np.zeros(0, dtype=np.int64),
            tf=nothing(), words=[], industry=np.zeros(0, dtype=np.int16), industries=[""],
            groups=nothing(), group_names=[], classes=nothing(), class_names=[],
        )  # fmt: skip

    @classmethod
    def build(cls, documents: Iterable[Document], stamps: Sequence[int] | None = None) -> "Pool":
        return cls.empty().patched(documents, stamps=stamps)

    def patched(
        self,
        documents: Iterable[Document],
        *,
        stamps: Sequence[int] | None = None,
        removed: Iterable[int] = (),
    ) -> "Pool":
        """This pool with `documents` added or replacing the rows of the same keys, and the
        rows of `removed` keys dropped. New words, groups and industries get new columns."""
        documents = list(documents)
        words, group_names = list(self.words), list(self.group_names)
        class_names = list(self.class_names)
        industries, industry_index = list(self.industries), dict(self.industry_index)
        tf = _matrix(
            ((doc.words.keys(), doc.words.values()) for doc in documents),
            _Columns(self.vocabulary, words),
        )
        tf.data = 1 + np.log(tf.data)
        ipcs = [ipc_keys(doc.ipc) for doc in documents]
        groups = _matrix(
            ((found, repeat(1.0, len(found))) for found, _c in ipcs),
            _Columns(self.group_index, group_names),
        )
        classes = _matrix(
            ((found, repeat(1.0, len(found))) for _g, found in ipcs),
            _Columns(self.class_index, class_names),
        )
        for doc in documents:
            if doc.industry not in industry_index:
                industry_index[doc.industry] = len(industries)
                industries.append(doc.industry)
        keys = np.array([doc.key for doc in documents], dtype=np.int64)
        gone = np.isin(self.keys, np.concatenate([keys, np.fromiter(removed, dtype=np.int64)]))
        keep = np.flatnonzero(~gone)
        everything = len(keep) == len(self.keys)

        def join(old, new, columns: int):
            old = old if everything else old[keep]
            return sparse.vstack([_widen(old, columns), _widen(new, columns)], format="csr")

        return Pool(
            keys=np.concatenate([self.keys[keep], keys]),
            stamps=np.concatenate([
                self.stamps[keep],
                np.array(stamps if stamps is not None else [0] * len(documents), dtype=np.int64),
            ]),
            tf=join(self.tf, tf, len(words)),
            words=words,
            industry=np.concatenate([
                self.industry[keep],
                np.array([industry_index[doc.industry] for doc in documents], dtype=np.int16),
            ]),
            industries=industries,
            groups=join(self.groups, groups, len(group_names)),
            group_names=group_names,
            classes=join(self.classes, classes, len(class_names)),
            class_names=class_names,
        )  # fmt: skip

    # What every run needs, computed once per Pool.

    def _once(self, name: str, compute):
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]

    @property
    def document_frequency(self) -> np.ndarray:
        """Per word, how many patents use it."""
        return self._once(
            "df", lambda: np.bincount(self.tf.indices, minlength=len(self.words)).astype(float)
        )

    @property
    def inverted(self):
        """Words × patents: for a word, the patents using it (the index scoring reads)."""
        return self._once("inverted", lambda: self.tf.T.tocsr())

    @property
    def row_of_entry(self) -> np.ndarray:
        return self._once(
            "rows",
            lambda: np.repeat(np.arange(len(self), dtype=np.int32), np.diff(self.tf.indptr)),
        )

    @property
    def group_patents(self):
        return self._once("groups", lambda: self.groups.T.tocsr())

    @property
    def class_patents(self):
        return self._once("classes", lambda: self.classes.T.tocsr())

    # Saved between processes (patents/pool_index.py): numpy's own format, no pickle.

    def save(self, path: Path) -> None:
        """Write the pool to `path` (atomically: a reader sees the old file or the new one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed before the rename)
            dir=path.parent, prefix=f".{path.name}.", delete=False
        )
        try:
            with handle:
                arrays = {"format": np.array([FORMAT]), "keys": self.keys,
                          "stamps": self.stamps, "industry": self.industry,
                          "words": _names(self.words), "industries": _names(self.industries),
                          "group_names": _names(self.group_names),
                          "class_names": _names(self.class_names)}  # fmt: skip
                for name in ("tf", "groups", "classes"):
                    matrix = getattr(self, name)
                    arrays[f"{name}_data"], arrays[f"{name}_indices"] = matrix.data, matrix.indices
                    arrays[f"{name}_indptr"] = matrix.indptr
                np.savez(handle, **arrays)
            os.replace(handle.name, path)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> "Pool | None":
        """The pool saved at `path`, or None when there is none (or it is of another format,
        or damaged: the caller builds it again)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                if int(saved["format"][0]) != FORMAT:
                    return None
                names = {
                    name: saved[name].tolist()
                    for name in ("words", "industries", "group_names", "class_names")
                }
                lengths = {"tf": len(names["words"]), "groups": len(names["group_names"]),
                           "classes": len(names["class_names"])}  # fmt: skip
                matrices = {
                    name: sparse.csr_matrix(
                        (saved[f"{name}_data"], saved[f"{name}_indices"], saved[f"{name}_indptr"]),
                        shape=(len(saved["keys"]), columns),
                    )
                    for name, columns in lengths.items()
                }
                return cls(keys=saved["keys"], stamps=saved["stamps"],
                           industry=saved["industry"], **names, **matrices)  # fmt: skip
        except (OSError, KeyError, ValueError, IndexError, EOFError, zipfile.BadZipFile):
            return None


def rank(pool: Pool, needs: Sequence[Document], top: int = TOP) -> dict[int, list[Suggestion]]:
    """The `top` patents of the pool for each need, best first: {need key: suggestions}.

    IDF is taken over the pool and these needs together, so that a word rare in both weighs as
    it should. A need is scored exactly against the patents that can reach its top (`_best`);
    the weights every need shares (IDF, the patents' lengths) are computed once per run."""
    found: dict[int, list[Suggestion]] = {need.key: [] for need in needs}
    if not len(pool) or not needs:
        return found
    known = len(pool.words)
    # The needs' words, those the pool lacks after its own columns (they weigh in a need's
    # length, never in a product).
    extra: dict[str, int] = {}
    need_columns: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for need in needs:
        for word, count in need.words.items():
            column = pool.vocabulary.get(word)
            if column is None:
                column = known + extra.setdefault(word, len(extra))
            need_columns.append(column)
            counts.append(count)
        indptr.append(len(need_columns))
    columns = np.array(need_columns, dtype=np.int64)
    rows = np.repeat(np.arange(len(needs)), np.diff(indptr))
    frequency = np.zeros(known + len(extra))
    frequency[:known] = pool.document_frequency
    frequency += np.bincount(columns, minlength=len(frequency))
    total = len(pool) + len(needs)
    idf = np.log((total + 1) / (frequency + 1)) + 1
    # Patents' vector lengths; needs' normalised weights.
    weights = pool.tf.data * idf[pool.tf.indices]
    lengths = np.sqrt(np.bincount(pool.row_of_entry, weights=weights * weights,
                                  minlength=len(pool)))  # fmt: skip
    lengths[lengths == 0] = 1.0
    need_weights = (1 + np.log(np.array(counts, dtype=np.float64))) * idf[columns]
    need_lengths = np.sqrt(np.bincount(rows, weights=need_weights * need_weights,
                                       minlength=len(needs)))  # fmt: skip
    need_lengths[need_lengths == 0] = 1.0
    need_weights /= need_lengths[rows]
    run = _Run(pool, idf, lengths, top)
    for index, need in enumerate(needs):
        span = slice(indptr[index], indptr[index + 1])
        found[need.key] = run.suggestions(need, columns[span], need_weights[span])
    return found


class _Run:
    """One run's scoring, need by need.

    The cosine of a need and a patent is Σ over shared words of a × share, where a = the need's
    normalised weight × IDF and share = the patent's term frequency / its vector's length. A
    need's words are taken in order of the most they can add (a × the largest share of the
    word); the postings of the first few (the rare, telling words) give the candidates and
    lower bounds of their scores, the rest add at most their sum. Words are added until no
    patent outside the candidates can reach the need's top, then the candidates that still can
    are scored exactly: the same suggestions as scoring every patent, touching a few percent of
    the postings (a need's common words, 环境/处理/材料, each appear in a fifth of the pool)."""

    FIRST_REACH = 0.12  # share of the pool the first postings read cover
    MARGIN = 2e-4  # bounds against scores rounded to 4 places
    PROBE = 2  # × top: candidates scored exactly to set the bar the others must reach

    def __init__(self, pool: Pool, idf, lengths, top: int):
        self.pool, self.idf, self.lengths, self.top = pool, idf, lengths, top
        inverted = pool.inverted
        self.share = inverted.data / lengths[inverted.indices]
        self.best_share = np.zeros(len(pool.words))
        filled = np.flatnonzero(np.diff(inverted.indptr))
        if len(filled):
            self.best_share[filled] = np.maximum.reduceat(self.share, inverted.indptr[filled])
        self.weight_of = np.zeros(len(pool.words))  # a need's a by word, while it is scored
        self.ipc_of = np.zeros(len(pool))  # a need's IPC score by patent, while it is scored
        self.row_length = max(1.0, pool.tf.nnz / max(len(pool), 1))

    def suggestions(self, need: Document, columns, need_weights) -> list[Suggestion]:
        pool = self.pool
        inside = columns < len(pool.words)
        words, a = columns[inside], need_weights[inside] * self.idf[columns[inside]]
        need_ipc = ipc_keys(need.ipc)
        code = pool.industry_index.get(need.industry, -1) if need.industry else -1
        self.weight_of[words] = a
        try:
            return [
                self._explain(need, need_ipc, column, score)
                for column, score in self._best(words, a, need_ipc, code)
            ]
        finally:
            self.weight_of[words] = 0.0

    def _explain(self, need: Document, need_ipc, column: int, score: float) -> Suggestion:
        """A suggestion with its reasons: the words weighing most on both sides (their
        products in the cosine), the shared industry, the shared main group (or subclass)."""
        pool = self.pool
        row = slice(pool.tf.indptr[column], pool.tf.indptr[column + 1])
        words = pool.tf.indices[row]
        products = self.weight_of[words] * pool.tf.data[row] / self.lengths[column]
        shared = np.flatnonzero(products)
        ranked = sorted(zip((-products[shared]).tolist(), (pool.words[w] for w in words[shared]),
                            strict=True))  # fmt: skip
        need_groups, need_classes = need_ipc
        overlap = ""
        if need_groups or need_classes:
            row = slice(pool.groups.indptr[column], pool.groups.indptr[column + 1])
            groups = need_groups & {pool.group_names[c] for c in pool.groups.indices[row]}
            row = slice(pool.classes.indptr[column], pool.classes.indptr[column + 1])
            classes = need_classes & {pool.class_names[c] for c in pool.classes.indices[row]}
            overlap = sorted(groups)[0] if groups else sorted(classes)[0] if classes else ""
        return Suggestion(
            need=need.key,
            patent=int(pool.keys[column]),
            score=score,
            shared_terms=tuple(word for _product, word in ranked[:SHARED_TERMS]),
            same_industry=bool(need.industry)
            and pool.industries[pool.industry[column]] == need.industry,
            ipc_overlap=overlap,
        )

    def _text(self, words, a):
        """The patents using any of these words (ascending), and for every patent (dense rows)
        Σ a × share over the postings of these words and the squared length of the patent's
        vector over them (its share × IDF, squared)."""
        inverted, size = self.pool.inverted, len(self.pool)
        spans = [slice(inverted.indptr[w], inverted.indptr[w + 1]) for w in words]
        if not spans:
            return np.zeros(0, dtype=np.int64), np.zeros(size), np.zeros(size)
        patents = np.concatenate([inverted.indices[s] for s in spans])
        shares = [self.share[s] for s in spans]
        sums = np.concatenate([share * weight for share, weight in zip(shares, a, strict=True)])
        squares = np.concatenate([
            np.square(share * idf) for share, idf in zip(shares, self.idf[words], strict=True)
        ])  # fmt: skip
        seen = np.zeros(size, dtype=bool)
        seen[patents] = True
        return (
            np.flatnonzero(seen),
            np.bincount(patents, weights=sums, minlength=size),
            np.bincount(patents, weights=squares, minlength=size),
        )

    def _ipc(self, need_ipc):
        """Patents sharing a subclass with the need, and their IPC score (½, or 1 with a main
        group too): the score is left in `self.ipc_of` (reset by the caller)."""
        pool, (groups, classes) = self.pool, need_ipc

        def patents(names, index, matrix):
            spans = [slice(matrix.indptr[index[n]], matrix.indptr[index[n] + 1])
                     for n in names if n in index]  # fmt: skip
            if not spans:
                return np.zeros(0, dtype=np.int64)
            if len(spans) == 1:
                return matrix.indices[spans[0]]
            return np.unique(np.concatenate([matrix.indices[s] for s in spans]))

        same_class = patents(classes, pool.class_index, pool.class_patents)
        if len(same_class):
            self.ipc_of[same_class] = 0.5
            self.ipc_of[patents(groups, pool.group_index, pool.group_patents)] = 1.0
        return same_class

    def _best(self, words, a, need_ipc, code) -> list[tuple[int, float]]:
        """The need's `top` (column, rounded score) pairs, best first, patents in key order
        among equals.

        Words are read in order of the most they can add to a cosine; after the first ones,
        what the unread words can still add to a patent is bounded twice: by the sum of their
        bounds, and (Cauchy-Schwarz: both vectors have length 1) by the length of the need's
        vector over them × the length of the patent's vector left unread."""
        pool = self.pool
        order = np.argsort(-(a * self.best_share[words]), kind="stable")
        words, a = words[order], a[order]
        weights = a / self.idf[words]  # the need's normalised weights

        def suffix(values):  # suffix(v)[g] = Σ v[g:]
            return np.concatenate([np.cumsum(values[::-1])[::-1], [0.0]])

        unread_bound = suffix(a * self.best_share[words])
        unread_length = np.sqrt(suffix(weights * weights))
        reach = np.cumsum(pool.document_frequency[words])
        same_class = self._ipc(need_ipc)
        try:
            return self._ranked(words, a, unread_bound, unread_length, reach, same_class, code)
        finally:
            self.ipc_of[same_class] = 0.0

    def _ranked(self, words, a, unread_bound, unread_length, reach, same_class, code):
        pool, top, size = self.pool, self.top, len(self.pool)
        industry = INDUSTRY_WEIGHT if code >= 0 else 0.0
        used = min(len(words), int(np.searchsorted(reach, self.FIRST_REACH * size)) + 1)
        while True:
            candidates, text, squares = self._text(words[:used], a[:used])
            if len(same_class):  # patents sharing only an IPC subclass are candidates too
                candidates = np.concatenate([candidates, same_class[text[same_class] == 0]])
            partial, ipc = text[candidates], self.ipc_of[candidates]
            same_industry = pool.industry[candidates] == code
            lower = TEXT_WEIGHT * partial + INDUSTRY_WEIGHT * same_industry + IPC_WEIGHT * ipc
            if used >= len(words):
                break  # every word was read: the sums are the cosines
            # The exact scores of the likeliest candidates: the top is at least their top.
            likeliest = (
                np.argpartition(-lower, self.PROBE * top)[: self.PROBE * top]
                if len(lower) > self.PROBE * top
                else np.arange(len(lower))
            )
            probed = np.sort(
                TEXT_WEIGHT * self._cosines(candidates[likeliest])
                + INDUSTRY_WEIGHT * same_industry[likeliest]
                + IPC_WEIGHT * ipc[likeliest]
            )
            threshold = max(MIN_SCORE, probed[-top] if len(probed) >= top else 0.0)
            # Outside the candidates nothing was read and no IPC is shared.
            outside = TEXT_WEIGHT * min(unread_bound[used], unread_length[used]) + industry
            following = min(len(words), int(np.searchsorted(reach, 2 * reach[used - 1])) + 1)
            if outside < threshold - self.MARGIN:
                left = np.sqrt(np.maximum(0.0, 1.0 - squares[candidates]))
                more = np.minimum(unread_bound[used], unread_length[used] * left)
                hopeful = lower + TEXT_WEIGHT * more >= threshold - self.MARGIN
                # Score the hopeful ones exactly, unless reading more postings costs less.
                cost = reach[following - 1] - reach[used - 1] + size
                if hopeful.sum() * self.row_length <= cost:
                    candidates, partial = candidates[hopeful], self._cosines(candidates[hopeful])
                    same_industry, ipc = same_industry[hopeful], ipc[hopeful]
                    break
            used = following
        scores = np.round(
            TEXT_WEIGHT * partial + INDUSTRY_WEIGHT * same_industry + IPC_WEIGHT * ipc, 4
        )
        good = scores >= MIN_SCORE
        candidates, scores = candidates[good], scores[good]
        order = np.lexsort((pool.keys[candidates], -scores))[:top]
        return [(int(candidates[i]), float(scores[i])) for i in order]

    def _cosines(self, patents):
        """The exact cosines of these patents with the need (their rows of the term
        frequencies against the need's a, over their lengths)."""
        tf = self.pool.tf
        starts = tf.indptr[patents]
        sizes = tf.indptr[patents + 1] - starts
        ends = np.cumsum(sizes)
        entries = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + sizes, sizes)
        values = self.weight_of[tf.indices[entries]] * tf.data[entries]
        sums = np.bincount(np.repeat(np.arange(len(patents)), sizes), weights=values,
                           minlength=len(patents))  # fmt: skip
        return sums / self.lengths[patents]


def best(need: Document, patents: Iterable[Document], top: int = TOP) -> list[Suggestion]:
    """The `top` patents for one need among these (IDF over them and the need)."""
    return rank(Pool.build(patents), [need], top)[need.key]
