"""Comment sentiment in [-1, 1] for Chinese, English and mixed comments, fully offline.

Two parts, both used by :mod:`reportgen.analytics.themes` as well:

- **Tokenisation.** Chinese runs go through a *private* ``jieba.Tokenizer``: jieba's
  default dictionary is loaded once per process (quietly), and every tokenizer that needs
  extra words (the sentiment lexicon's compounds such as 不耐烦, a theme dictionary's
  keywords such as 响应速度) gets its own copy of the word table, so nothing leaks into
  ``jieba``'s global tokenizer or between theme dictionaries. Other text is lower-cased
  and split by a regular expression; punctuation becomes a clause break (:data:`BREAK`).
- **Scoring.** A lexicon (``templates/analytics/sentiment_*.tsv``: an own Chinese lexicon,
  an English one derived from VADER, MIT) plus modifiers (``sentiment_modifiers.yaml``):
  negators (不/没有/not/never), hedged negators (不太/不是很), intensifiers (很/非常/very),
  diminishers (有点/slightly), contrast words (但是/but: what follows weighs more) and
  aspect rules (价格 + 高 is negative, 性价比 + 高 positive). The summed valence ``s`` is
  squashed to ``s / sqrt(s² + 15)`` as in VADER, so one clear word gives about ±0.4 and
  several agreeing words approach ±1. A comment without any sentiment word scores 0.

Measured accuracy and how it was measured: ``benchmarks/bench_sentiment.py`` and
``tests/data/sentiment/README.md``.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jieba
import pandas as pd
import yaml

from reportgen.errors import ConfigError
from reportgen.resources import templates_dir

log = logging.getLogger(__name__)

#: The token that stands for clause-ending punctuation (negation does not cross it).
BREAK = ","
#: Scores at or below this are "clearly negative" (used to pick quotes).
CLEARLY_NEGATIVE = -0.3
#: Binary decision used by the benchmark: positive when the score is above this.
#: Chosen on the held-out development split only (see tests/data/sentiment/README.md).
DECISION_THRESHOLD = 0.0
#: |score| at or below this counts as neutral in :func:`polarity`.
NEUTRAL_BAND = 0.05
#: Distinct texts whose tokens a tokenizer keeps (about 1 KB each).
TOKEN_CACHE_SIZE = 20_000

_ALPHA = 15.0  # VADER's normalisation constant (valences on a -4..4 scale)
_LOOKBACK = 3  # modifiers act on the next 3 tokens of the same clause
_CONTRAST_BEFORE, _CONTRAST_AFTER = 0.5, 1.5
_NEGATE_POSITIVE, _NEGATE_NEGATIVE = -0.74, -0.5  # "not good" vs "not bad"
_HEDGE_POSITIVE, _HEDGE_NEGATIVE = -0.5, -0.3  # "not very good" vs "not very bad"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_IS_CJK = re.compile(f"[{_CJK}]")
_TOKEN = re.compile(
    rf"(?P<cjk>[{_CJK}]+)"
    r"|(?P<word>[0-9a-z]+(?:'[a-z]+)*)"
    r"|(?P<brk>[,.;:!?\n，。；：！？、…~～()（）\[\]【】\"“”《》|/]+)"
)
#: Particles stripped when a Chinese token is not in the lexicon (慢了 → 慢, 差死了 → 差).
PARTICLE_SUFFIXES = (
    "死了", "极了", "透了", "得很", "一点", "一些", "了", "的", "啊", "呀", "啦", "些",
)  # fmt: skip


def is_cjk(text: str) -> bool:
    """Whether ``text`` contains a Chinese character."""
    return _IS_CJK.search(text) is not None


def normalise_text(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), lower case, typographic apostrophes."""
    return unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")


# -- tokenisation ----------------------------------------------------------------------------


@functools.cache
def _base_jieba() -> jieba.Tokenizer:
    """jieba's default dictionary, loaded once per process, without its stderr chatter."""
    if jieba.default_logger.level <= logging.DEBUG:  # jieba's own default: log everything
        jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _jieba_with(words: frozenset[str]) -> jieba.Tokenizer:
    """A private tokenizer: the default dictionary plus ``words``, sharing nothing mutable."""
    base = _base_jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)  # the base's table is never changed after loading
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in sorted(words):
        tokenizer.add_word(word)
    return tokenizer


class Tokenizer:
    """Tokens of a comment: jieba words for Chinese runs, regex words for the rest.

    ``extra_words`` (Chinese words and compounds) are added to a private jieba dictionary
    so that they come out as one token. Use :func:`get_tokenizer` for a cached instance.
    """

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        words = frozenset(w for w in (normalise_text(x) for x in extra_words) if len(w) > 1)
        self.extra_words = frozenset(w for w in words if _only_cjk(w))
        self._jieba = _jieba_with(self.extra_words)
        # the summary, the quotes of each theme and the term list read the same comments
        self._cached = functools.lru_cache(maxsize=TOKEN_CACHE_SIZE)(self._tokens)

    def tokens(self, text: str) -> tuple[str, ...]:
        """The tokens of one text, lower-cased; punctuation becomes :data:`BREAK`."""
        return self._cached(text)

    def _tokens(self, text: str) -> tuple[str, ...]:
        out: list[str] = []
        for match in _TOKEN.finditer(normalise_text(text)):
            kind = match.lastgroup
            if kind == "cjk":
                out.extend(self._jieba.cut(match.group(), HMM=True))
            elif kind == "word":
                out.append(match.group())
            elif out and out[-1] != BREAK:
                out.append(BREAK)
        return tuple(out)

    def tokens_of(self, comments: pd.Series) -> list[tuple[str, ...] | None]:
        """Tokens per element of ``comments`` (None where there is no text); each distinct
        text is tokenised once and shares one tuple."""
        cache: dict[str, tuple[str, ...]] = {}
        out: list[tuple[str, ...] | None] = []
        for value in comments.tolist():
            text = comment_text(value)
            if text is None:
                out.append(None)
                continue
            toks = cache.get(text)
            if toks is None:
                toks = cache[text] = self.tokens(text)
            out.append(toks)
        return out


def _only_cjk(word: str) -> bool:
    return all(_IS_CJK.match(ch) for ch in word)


def comment_text(value: object) -> str | None:
    """The text of a comment cell, or None when it is missing or blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


@functools.lru_cache(maxsize=8)
def _tokenizer_cached(extra: frozenset[str]) -> Tokenizer:
    return Tokenizer(extra)


def get_tokenizer(extra_words: Iterable[str] = ()) -> Tokenizer:
    """A cached :class:`Tokenizer` knowing the sentiment lexicon's words plus ``extra_words``."""
    lexicon = load_lexicon()
    return _tokenizer_cached(lexicon.jieba_words | frozenset(extra_words))


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` with the default tokenizer (lexicon words known to jieba)."""
    return get_tokenizer().tokens(text)


# -- lexicon ----------------------------------------------------------------------------------

LEXICON_FILES = ("sentiment_en_vader.tsv", "sentiment_en.tsv", "sentiment_zh-CN.tsv")
MODIFIERS_FILE = "sentiment_modifiers.yaml"
_MODIFIER_KEYS = (
    "negators", "hedged_negators", "intensifiers", "diminishers", "contrast", "aspects",
)  # fmt: skip


@dataclass(frozen=True)
class Lexicon:
    """Word valences (-4..4) and the modifiers that act on them."""

    valence: MappingProxyType[str, float]
    negators: frozenset[str]
    hedged_negators: frozenset[str]
    multipliers: MappingProxyType[str, float]  # intensifiers (> 1) and diminishers (< 1)
    contrast: frozenset[str]
    aspects: MappingProxyType[str, MappingProxyType[str, float]]  # aspect word → {adj: valence}

    @functools.cached_property
    def prefixes(self) -> tuple[str, ...]:
        """Chinese modifiers that may be glued to a word in one jieba token, longest first."""
        words = self.negators | self.hedged_negators | set(self.multipliers)
        return tuple(sorted((w for w in words if _only_cjk(w)), key=lambda w: (-len(w), w)))

    @functools.cached_property
    def jieba_words(self) -> frozenset[str]:
        """Chinese entries of more than one character: jieba must keep them whole."""
        words = set(self.valence) | self.negators | self.hedged_negators | set(self.multipliers)
        words |= set(self.aspects)
        return frozenset(w for w in words if len(w) > 1 and _only_cjk(w))

    @functools.cached_property
    def cjk_aspects(self) -> tuple[str, ...]:
        """Chinese aspect words, longest first (for tokens such as 价格低)."""
        return tuple(sorted((w for w in self.aspects if _only_cjk(w)), key=lambda w: (-len(w), w)))

    @functools.cached_property
    def aspect_adjectives(self) -> frozenset[str]:
        return frozenset(adj for rules in self.aspects.values() for adj in rules)

    def is_modifier(self, token: str) -> bool:
        return (
            token in self.negators
            or token in self.hedged_negators
            or token in self.multipliers
            or token.endswith("n't")
        )


def _read_tsv(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        try:
            word, value = normalise_text(parts[0].strip()), float(parts[1])
        except (IndexError, ValueError):
            raise ConfigError(
                f"{path}: line {number}: expected 'word<TAB>valence', got {line[:60]!r}"
            ) from None
        if not -4.0 <= value <= 4.0:
            raise ConfigError(f"{path}: line {number}: valence {value} outside -4..4")
        if word in out:
            raise ConfigError(f"{path}: line {number}: {word!r} is listed twice")
        out[word] = value
    return out


def _words(value: Any, where: str) -> list[str]:
    if isinstance(value, dict):
        items: list[Any] = [w for lst in value.values() for w in (lst or [])]
    else:
        items = list(value or [])
    if not all(isinstance(w, str) and w.strip() for w in items):
        raise ConfigError(f"{where}: expected a list of words")
    return [normalise_text(w.strip()) for w in items]


def _load_modifiers(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(data) - set(_MODIFIER_KEYS))
    if unknown:
        allowed = ", ".join(_MODIFIER_KEYS)
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}; allowed: {allowed}")
    multipliers: dict[str, float] = {}
    for key in ("intensifiers", "diminishers"):
        for factor, words in (data.get(key) or {}).items():
            for word in _words(words, f"{path}: {key}.{factor}"):
                multipliers[word] = float(factor)
    aspects: dict[str, dict[str, float]] = {}
    for group in data.get("aspects") or []:
        rules = {normalise_text(k): float(v) for k, v in (group.get("valence") or {}).items()}
        for word in _words(group.get("words"), f"{path}: aspects.words"):
            aspects.setdefault(word, {}).update(rules)
    return {
        "negators": frozenset(_words(data.get("negators"), f"{path}: negators")),
        "hedged_negators": frozenset(_words(data.get("hedged_negators"), f"{path}: hedged")),
        "multipliers": MappingProxyType(multipliers),
        "contrast": frozenset(_words(data.get("contrast"), f"{path}: contrast")),
        "aspects": MappingProxyType({k: MappingProxyType(v) for k, v in aspects.items()}),
    }


def load_lexicon(folder: Path | None = None) -> Lexicon:
    """The vendored lexicon (``templates/analytics``), read once per process."""
    return _load_lexicon(str(folder) if folder else str(templates_dir() / "analytics"))


@functools.cache
def _load_lexicon(folder: str) -> Lexicon:
    base = Path(folder)
    valence: dict[str, float] = {}
    for name in LEXICON_FILES:
        valence.update(_read_tsv(base / name))
    mods = _load_modifiers(base / MODIFIERS_FILE)
    # a negator or booster is never scored as a word itself (VADER lists "no" at -1.2)
    for word in mods["negators"] | mods["hedged_negators"] | set(mods["multipliers"]):
        if word != "好":
            valence.pop(word, None)
    return Lexicon(valence=MappingProxyType(valence), **mods)


# -- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """A token read as [modifiers glued in front] + core word + [particle]."""

    core: str
    ops: tuple[tuple[str, float], ...]  # inner → outer: ("mul", k) | ("neg", 0) | ("hedge", 0)
    aspect: str = ""  # an aspect word glued in front (价格低 = 价格 + 低)


_NO_PARSE = _Parsed("", ())


class Scorer:
    """Scores token lists with one :class:`Lexicon` (parsed compounds are memoised)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._parsed: dict[str, _Parsed] = {}

    # reading one token

    def _op_of(self, word: str) -> tuple[str, float]:
        lex = self.lexicon
        if word in lex.hedged_negators:
            return ("hedge", 0.0)
        if word in lex.negators or word.endswith("n't"):
            return ("neg", 0.0)
        return ("mul", lex.multipliers[word])

    def parse(self, token: str) -> _Parsed:
        """The sentiment core of a token (``""`` if none) and the modifiers inside it."""
        hit = self._parsed.get(token)
        if hit is None:
            hit = self._parsed[token] = self._parse(token, depth=0)
        return hit

    def _parse(self, token: str, depth: int) -> _Parsed:
        lex = self.lexicon
        if token in lex.valence or token in lex.aspect_adjectives:
            return _Parsed(token, ())
        if depth > 2 or len(token) < 2 or not _IS_CJK.match(token):
            return _NO_PARSE
        for aspect in lex.cjk_aspects:
            if token.startswith(aspect) and len(token) > len(aspect):
                inner = self._parse(token[len(aspect) :], depth + 1)
                if inner.core in lex.aspects[aspect]:
                    return _Parsed(inner.core, inner.ops, aspect)
        for prefix in lex.prefixes:
            if token.startswith(prefix) and len(token) > len(prefix):
                inner = self._parse(token[len(prefix) :], depth + 1)
                if inner.core:
                    return _Parsed(inner.core, (*inner.ops, self._op_of(prefix)))
        for suffix in PARTICLE_SUFFIXES:
            if token.endswith(suffix) and len(token) > len(suffix):
                inner = self._parse(token[: -len(suffix)], depth + 1)
                if inner.core:
                    return inner
        return _NO_PARSE

    # one comment

    def _base(self, tokens: Sequence[str], i: int, core: str, start: int, end: int) -> float:
        """The valence of ``core`` at ``i``: an aspect rule (价格…高) wins over the lexicon."""
        lex = self.lexicon
        if core in lex.aspect_adjectives:
            for dist in range(1, _LOOKBACK + 2):
                for j in (i - dist, i + dist):
                    if start <= j < end and j != i:
                        rules = lex.aspects.get(tokens[j])
                        if rules and core in rules:
                            return rules[core]
        return lex.valence.get(core, 0.0)

    def _has_sentiment(self, token: str) -> bool:
        return bool(self.parse(token).core) and token != BREAK

    def score_tokens(self, tokens: Sequence[str]) -> float:
        """Sentiment of one tokenised comment in [-1, 1] (0 without sentiment words)."""
        lex = self.lexicon
        n = len(tokens)
        # clause boundaries, and the last contrast word (但是/but) of the comment
        ends = [n] * n
        end = n
        for i in range(n - 1, -1, -1):
            if tokens[i] == BREAK or tokens[i] in lex.contrast:
                end = i
            ends[i] = end
        contrast_at = max((i for i, t in enumerate(tokens) if t in lex.contrast), default=-1)
        total = 0.0
        start = 0
        for i, tok in enumerate(tokens):
            if tok == BREAK or tok in lex.contrast:
                start = i + 1
                continue
            parsed = self.parse(tok)
            if not parsed.core:
                continue
            end = ends[i]
            # 好/真 before another sentiment word is a booster (好慢 = very slow), not "good"
            if tok in lex.multipliers and i + 1 < end and self._has_sentiment(tokens[i + 1]):
                continue
            if parsed.aspect:
                value = lex.aspects[parsed.aspect][parsed.core]
            else:
                value = self._base(tokens, i, parsed.core, start, end)
            if not value:
                continue
            ops = list(parsed.ops)
            for j in range(i - 1, max(start, i - _LOOKBACK) - 1, -1):
                prev = tokens[j]
                if lex.is_modifier(prev):
                    ops.append(self._op_of(prev))
                elif self._has_sentiment(prev):
                    break
            value = _apply(value, ops)
            if contrast_at >= 0:
                value *= _CONTRAST_BEFORE if i < contrast_at else _CONTRAST_AFTER
            total += value
        return total / math.sqrt(total * total + _ALPHA)


def _apply(value: float, ops: Sequence[tuple[str, float]]) -> float:
    """Apply modifiers from the word outwards; a negator right after a booster hedges
    ("不是很好", "not very good": mildly negative, not the opposite of "very good")."""
    boost = 1.0
    for kind, factor in ops:
        if kind == "mul":
            value *= factor
            boost = factor
            continue
        hedged = kind == "hedge" or boost > 1.0
        if boost > 1.0:
            value /= boost
        if hedged:
            value *= _HEDGE_POSITIVE if value > 0 else _HEDGE_NEGATIVE
        else:
            value *= _NEGATE_POSITIVE if value > 0 else _NEGATE_NEGATIVE
        boost = 1.0
    return value


@functools.cache
def _default_scorer() -> Scorer:
    return Scorer(load_lexicon())


def score_tokens(tokens: Sequence[str]) -> float:
    """Sentiment of an already tokenised comment (see :class:`Tokenizer`)."""
    return _default_scorer().score_tokens(tokens)


def score_text(text: str) -> float:
    """Sentiment of one comment in [-1, 1]; 0 when it carries no sentiment word."""
    return score_tokens(tokenize(text))


def scores_from_tokens(tokens: Sequence[Sequence[str] | None], index: pd.Index) -> pd.Series:
    """Scores for pre-tokenised comments (None → NaN), as a float Series on ``index``."""
    scorer = _default_scorer()
    cache: dict[int, float] = {}
    values = []
    for toks in tokens:
        if toks is None:
            values.append(math.nan)
            continue
        key = id(toks)  # Tokenizer.tokens_of shares one tuple per distinct text
        if key not in cache:
            cache[key] = scorer.score_tokens(toks)
        values.append(cache[key])
    return pd.Series(values, index=index, dtype="float64", name="sentiment")


def sentiment_scores(comments: pd.Series, *, tokenizer: Tokenizer | None = None) -> pd.Series:
    """Sentiment per comment in [-1, 1]; NaN where the comment is missing or blank."""
    tok = tokenizer or get_tokenizer()
    return scores_from_tokens(tok.tokens_of(comments), comments.index)


def polarity(scores: pd.Series, band: float = NEUTRAL_BAND) -> pd.Series:
    """ "negative" / "neutral" / "positive" per score (NaN stays missing)."""
    out = pd.Series(pd.NA, index=scores.index, dtype="string", name="polarity")
    out[scores < -band] = "negative"
    out[scores > band] = "positive"
    out[(scores >= -band) & (scores <= band)] = "neutral"
    return out
