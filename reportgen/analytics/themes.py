"""Comment themes: which topics open comments talk about, how often, and how unhappily.

- :func:`load_themes` reads and validates a theme dictionary (default:
  ``templates/analytics/themes.yaml``; a user's file may ``extends: default``).
- :func:`assign_themes` marks each comment with every theme it mentions (tokens, Chinese
  and English, mixed comments too).
- :func:`theme_summary` gives per theme: volume, share, detractor share, mean sentiment and
  the change of share against the previous period, in Pareto order.
- :func:`representative_quotes` picks short, clearly negative comments, PII-redacted.
- :func:`frequent_terms` lists frequent words and word pairs that no theme covers, so an
  analyst sees emerging topics.

Tokenisation and sentiment come from :mod:`reportgen.analytics.sentiment`; each comment is
tokenised once (with a private jieba dictionary holding the theme and lexicon words).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from reportgen.analytics.sentiment import (
    BREAK,
    CLEARLY_NEGATIVE,
    PARTICLE_SUFFIXES,
    Tokenizer,
    get_tokenizer,
    is_cjk,
    load_lexicon,
    normalise_text,
    scores_from_tokens,
)
from reportgen.errors import ConfigError
from reportgen.resources import templates_dir
from reportgen.sanitize import is_unpresentable, redact_pii, shorten, strip_control
from reportgen.stats import two_proportion_test

#: Languages of display names and keyword lists.
LANGUAGES = ("en", "zh-CN")
#: Likelihood to recommend below this is a detractor (NPS convention, 0–10 scale).
PASSIVE_MIN = 7  # a detractor answers below it: 0–6 (a fractional 6.5 too)
#: Columns of :func:`theme_summary` (``by`` adds the group column in front).
SUMMARY_COLUMNS = (
    "theme", "name", "comments", "share", "rated", "detractors", "detractor_share",
    "mean_sentiment", "previous_comments", "previous_share", "share_change", "share_change_p",
)  # fmt: skip
#: Columns of :func:`frequent_terms`.
TERM_COLUMNS = ("term", "documents", "share")

_TOP_KEYS = ("themes", "extends")
_THEME_KEYS = ("name", "keywords", "exclude")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_STOPWORDS_FILE = "stopwords.txt"


# -- the theme dictionary ---------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """One theme: a stable id, display names and keywords per language, look-alikes to skip."""

    id: str
    names: tuple[tuple[str, str], ...]  # (lang, name)
    keywords: tuple[tuple[str, tuple[str, ...]], ...]  # (lang, words)
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def name(self, lang: str = "en") -> str:
        """The display name in ``lang``, else in the other language, else the id."""
        names = dict(self.names)
        return names.get(lang) or next(iter(names.values()), self.id)

    @property
    def all_keywords(self) -> tuple[str, ...]:
        return tuple(w for _, words in self.keywords for w in words)

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return tuple(w for _, words in self.exclude for w in words)


@dataclass(frozen=True)
class ThemeDictionary:
    """An ordered, immutable set of themes (hashable, so matchers can be cached)."""

    themes: tuple[Theme, ...]
    source: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def __getitem__(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def __len__(self) -> int:
        return len(self.themes)

    def merged(self, other: ThemeDictionary) -> ThemeDictionary:
        """This dictionary extended by ``other``: a shared id gets the union of keywords and
        excludes and ``other``'s names (where given); new ids are appended in ``other``'s
        order."""
        mine = {t.id: t for t in self.themes}
        out = [mine[i] for i in self.ids]
        for theme in other.themes:
            if theme.id not in mine:
                out.append(theme)
                continue
            base = mine[theme.id]
            merged = Theme(
                id=theme.id,
                names=tuple({**dict(base.names), **dict(theme.names)}.items()),
                keywords=_union(base.keywords, theme.keywords),
                exclude=_union(base.exclude, theme.exclude),
            )
            out[out.index(base)] = merged
        return ThemeDictionary(tuple(out), f"{self.source} + {other.source}")

    @functools.cached_property
    def jieba_words(self) -> frozenset[str]:
        """Chinese keywords and excludes, for the private jieba dictionary."""
        words = (w for t in self.themes for w in (*t.all_keywords, *t.all_excludes))
        return frozenset(w for w in words if is_cjk(w) and len(w) > 1)


def _union(
    a: tuple[tuple[str, tuple[str, ...]], ...], b: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: dict[str, tuple[str, ...]] = dict(a)
    for lang, words in b:
        out[lang] = tuple(dict.fromkeys((*out.get(lang, ()), *words)))
    return tuple(out.items())


def default_themes_path() -> Path:
    return templates_dir() / "analytics" / "themes.yaml"


def load_themes(path: str | Path | None = None) -> ThemeDictionary:
    """Read and validate a theme dictionary; ``None`` is the default one.

    A file with ``extends: default`` is merged into the default dictionary
    (:meth:`ThemeDictionary.merged`); otherwise it replaces it. Any problem — a missing
    file, bad YAML, an unknown key, an empty keyword list — is a :class:`ConfigError`
    naming the file and the key."""
    if path is None:
        return _default_themes()
    return _load_themes(str(Path(path).resolve()))


@functools.cache
def _default_themes() -> ThemeDictionary:
    return _load_themes(str(default_themes_path().resolve()))


def _load_themes(path: str) -> ThemeDictionary:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"theme dictionary {path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"theme dictionary {path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"theme dictionary {path}: not valid YAML: {exc}") from None
    parsed = _parse(data, path)
    if isinstance(data, dict) and data.get("extends") == "default":
        default = load_themes()
        if Path(path) != default_themes_path().resolve():
            return default.merged(parsed)
    return parsed


def _fail(path: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"theme dictionary {path}: {key}: {problem}")


def _unknown(path: str, key: str, got: Iterable[Any], allowed: Sequence[str]) -> None:
    bad = [k for k in got if k not in allowed]
    if bad:
        where = f"{key}.{bad[0]}" if key else str(bad[0])
        raise _fail(path, where, f"unknown key {bad[0]!r}; allowed: {', '.join(allowed)}")


def _parse(data: Any, path: str) -> ThemeDictionary:
    if not isinstance(data, dict):
        raise _fail(path, "(top level)", "expected a mapping with a 'themes' key")
    _unknown(path, "", data, _TOP_KEYS)
    if "extends" in data and data["extends"] != "default":
        raise _fail(path, "extends", f"got {data['extends']!r}; allowed: 'default'")
    themes = data.get("themes")
    if not isinstance(themes, dict) or not themes:
        raise _fail(path, "themes", "expected a non-empty mapping of theme id → theme")
    out = []
    for theme_id, body in themes.items():
        key = f"themes.{theme_id}"
        if not isinstance(theme_id, str) or not _ID.match(theme_id):
            raise _fail(path, key, "a theme id is lower-case letters, digits and _ (e.g. price)")
        if not isinstance(body, dict):
            raise _fail(path, key, "expected a mapping with 'keywords' (and 'name')")
        _unknown(path, key, body, _THEME_KEYS)
        names = _lang_map(body.get("name") or {}, path, f"{key}.name", str)
        keywords = _lang_map(body.get("keywords"), path, f"{key}.keywords", list)
        if not keywords:
            raise _fail(path, f"{key}.keywords", "no keywords: give at least one list (en, zh-CN)")
        exclude = _lang_map(body.get("exclude") or {}, path, f"{key}.exclude", list)
        out.append(
            Theme(
                id=theme_id,
                names=tuple(names.items()),
                keywords=tuple(keywords.items()),
                exclude=tuple(exclude.items()),
            )
        )
    return ThemeDictionary(tuple(out), path)


def _lang_map(value: Any, path: str, key: str, kind: type) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, key, f"expected a mapping by language ({', '.join(LANGUAGES)})")
    _unknown(path, key, value, LANGUAGES)
    out: dict[str, Any] = {}
    for lang, item in value.items():
        where = f"{key}.{lang}"
        if kind is str:
            if not isinstance(item, str) or not item.strip():
                raise _fail(path, where, f"expected a non-empty name, got {item!r}")
            out[lang] = item.strip()
            continue
        if not isinstance(item, list) or not item:
            raise _fail(path, where, f"expected a non-empty list of words, got {item!r}")
        words = []
        for word in item:
            if not isinstance(word, str):
                hint = " (YAML reads unquoted yes/no/on/off as booleans: quote it)"
                raise _fail(
                    path, where, f"{word!r} is not text" + (hint if type(word) is bool else "")
                )
            if not word.strip():
                raise _fail(path, where, "contains an empty word")
            words.append(normalise_text(word.strip()))
        out[lang] = tuple(dict.fromkeys(words))
    return out


# -- matching ---------------------------------------------------------------------------------


def _plurals(word: str) -> tuple[str, ...]:
    if word.endswith(("s", "x", "ch", "sh")):
        return (word, word + "es")
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return (word, word[:-1] + "ies")
    return (word, word + "s")


class _Matcher:
    """Token → themes, for one :class:`ThemeDictionary` (per-token results memoised)."""

    def __init__(self, themes: ThemeDictionary) -> None:
        self.themes = themes
        lexicon = load_lexicon()
        self._prefixes = lexicon.prefixes
        self._exact: dict[str, set[int]] = {}
        self._single_cjk: dict[str, set[int]] = {}
        self._multi_cjk: list[tuple[str, int]] = []
        self._phrases: dict[tuple[str, ...], set[int]] = {}
        self._exclude_tokens: set[str] = set()
        self._exclude_phrases: set[tuple[str, ...]] = set()
        for k, theme in enumerate(themes.themes):
            for word in theme.all_keywords:
                self._add_keyword(word, k)
            for word in theme.all_excludes:
                parts = tuple(_phrase_tokens(word))
                if is_cjk(word) or len(parts) == 1:
                    self._exclude_tokens.add(word)
                else:
                    self._exclude_phrases.add(parts)
        all_phrases = (*self._phrases, *self._exclude_phrases)
        self.max_phrase = max((len(p) for p in all_phrases), default=1)
        self._phrase_starts = frozenset(p[0] for p in all_phrases)
        self._cache: dict[str, tuple[int, ...]] = {}

    def _add_keyword(self, word: str, k: int) -> None:
        if is_cjk(word):
            self._exact.setdefault(word, set()).add(k)
            if len(word) == 1:
                self._single_cjk.setdefault(word, set()).add(k)
            else:
                self._multi_cjk.append((word, k))
            return
        parts = _phrase_tokens(word)
        if len(parts) == 1:
            for form in _plurals(parts[0]):
                self._exact.setdefault(form, set()).add(k)
        elif parts:
            for form in _plurals(parts[-1]):
                self._phrases.setdefault((*parts[:-1], form), set()).add(k)

    def _core(self, token: str) -> str:
        """A Chinese token without degree words / negators in front and particles behind
        (太贵 → 贵, 慢了 → 慢), for one-character keywords."""
        for _ in range(3):
            before = token
            for prefix in self._prefixes:
                if token.startswith(prefix) and len(token) > len(prefix):
                    token = token[len(prefix) :]
                    break
            for suffix in PARTICLE_SUFFIXES:
                if token.endswith(suffix) and len(token) > len(suffix):
                    token = token[: -len(suffix)]
                    break
            if token == before:
                break
        return token

    def token_themes(self, token: str) -> tuple[int, ...]:
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        found: set[int] = set()
        if token not in self._exclude_tokens and token != BREAK:
            found |= self._exact.get(token, set())
            if is_cjk(token):
                found |= self._single_cjk.get(self._core(token), set())
                for word, k in self._multi_cjk:
                    if word in token:
                        found.add(k)
        hit = self._cache[token] = tuple(sorted(found))
        return hit

    def comment_themes(self, tokens: Sequence[str]) -> set[int]:
        found: set[int] = set()
        starts = [i for i, t in enumerate(tokens) if t in self._phrase_starts]
        blocked: set[int] = set()
        for i in starts:
            for size in range(2, self.max_phrase + 1):
                if tuple(tokens[i : i + size]) in self._exclude_phrases:
                    blocked.update(range(i, i + size))
        for i in starts:
            if i not in blocked:
                for size in range(2, self.max_phrase + 1):
                    found |= self._phrases.get(tuple(tokens[i : i + size]), set())
        for i, token in enumerate(tokens):
            if i not in blocked:
                found.update(self.token_themes(token))
        return found

    def covers(self, token: str) -> bool:
        return bool(self.token_themes(token)) or token in self._exclude_tokens


def _phrase_tokens(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+(?:'[a-z]+)*", normalise_text(text))


@functools.lru_cache(maxsize=8)
def _matcher(themes: ThemeDictionary) -> _Matcher:
    return _Matcher(themes)


def theme_tokenizer(themes: ThemeDictionary) -> Tokenizer:
    """The (cached) tokenizer that knows the lexicon's and ``themes``' Chinese words."""
    return get_tokenizer(themes.jieba_words)


def _resolve(themes: ThemeDictionary | None) -> ThemeDictionary:
    return themes if themes is not None else load_themes()


def _hits(tokens: Sequence[Sequence[str] | None], themes: ThemeDictionary) -> np.ndarray:
    matcher = _matcher(themes)
    out = np.zeros((len(tokens), len(themes)), dtype=bool)
    memo: dict[int, set[int]] = {}
    for row, toks in enumerate(tokens):
        if not toks:
            continue
        key = id(toks)  # one tuple per distinct text
        found = memo.get(key)
        if found is None:
            found = memo[key] = matcher.comment_themes(toks)
        for k in found:
            out[row, k] = True
    return out


def assign_themes(comments: pd.Series, themes: ThemeDictionary | None = None) -> pd.DataFrame:
    """One boolean column per theme id (dictionary order), one row per comment (same index).

    A comment may be in several themes or in none; missing or blank comments are in none."""
    themes = _resolve(themes)
    tokens = theme_tokenizer(themes).tokens_of(comments)
    return pd.DataFrame(_hits(tokens, themes), index=comments.index, columns=list(themes.ids))


# -- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysed:
    hits: np.ndarray  # comments × themes
    has_text: np.ndarray
    sentiment: np.ndarray  # NaN without text
    tokens: list[tuple[str, ...] | None]


def _analyse(comments: pd.Series, themes: ThemeDictionary) -> _Analysed:
    tokens = theme_tokenizer(themes).tokens_of(comments)
    scores = scores_from_tokens(tokens, comments.index).to_numpy()
    has_text = np.array([t is not None for t in tokens], dtype=bool)
    return _Analysed(_hits(tokens, themes), has_text, scores, tokens)


def _require(frame: pd.DataFrame, column: str) -> None:
    if column not in frame.columns:
        raise ValueError(f"column {column!r} is missing; got columns {list(frame.columns)!r}")


def _ltr(frame: pd.DataFrame) -> np.ndarray:
    if "ltr" not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame["ltr"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _period_order(periods: pd.Series) -> list[Any]:
    present = set(periods.dropna().tolist())
    if isinstance(periods.dtype, pd.CategoricalDtype) and periods.cat.ordered:
        return [p for p in periods.cat.categories if p in present]
    return sorted(present, key=lambda p: (str(type(p)), p))


def _period_stats(a: _Analysed, ltr: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray | int]:
    hits = a.hits & mask[:, None]
    rated = hits & ~np.isnan(ltr)[:, None]
    detract = hits & (ltr < PASSIVE_MIN)[:, None]
    counts = hits.sum(axis=0)
    sent = np.where(hits, a.sentiment[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_sent = np.where(counts > 0, sent.sum(axis=0) / counts, np.nan)
    return {
        "total": int((a.has_text & mask).sum()),
        "comments": counts,
        "rated": rated.sum(axis=0),
        "detractors": detract.sum(axis=0),
        "mean_sentiment": mean_sent,
    }


def _summary_rows(
    a: _Analysed,
    ltr: np.ndarray,
    themes: ThemeDictionary,
    lang: str,
    current: np.ndarray,
    previous: np.ndarray | None,
) -> pd.DataFrame:
    cur = _period_stats(a, ltr, current)
    total = cur["total"]
    comments = np.asarray(cur["comments"])
    rated = np.asarray(cur["rated"])
    detractors = np.asarray(cur["detractors"])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = comments / total if total else np.full(len(themes), np.nan)
        det_share = np.where(rated > 0, detractors / np.maximum(rated, 1), np.nan)
    prev_comments = pd.array([pd.NA] * len(themes), dtype="Int64")
    prev_share = np.full(len(themes), np.nan)
    change_p = np.full(len(themes), np.nan)
    if previous is not None:
        prev = _period_stats(a, ltr, previous)
        if prev["total"]:
            before = np.asarray(prev["comments"])
            prev_comments = pd.array(before, dtype="Int64")
            prev_share = before / prev["total"]
            # the share's change tested as any proportion's (two-proportion z or Fisher)
            for i, (x1, x2) in enumerate(zip(comments, before, strict=True)):
                test = two_proportion_test(int(x1), total, int(x2), int(prev["total"]))
                change_p[i] = test.p_value if test is not None else np.nan
    out = pd.DataFrame(
        {
            "theme": list(themes.ids),
            "name": [t.name(lang) for t in themes.themes],
            "comments": comments.astype("int64"),
            "share": share,
            "rated": rated.astype("int64"),
            "detractors": detractors.astype("int64"),
            "detractor_share": det_share,
            "mean_sentiment": np.asarray(cur["mean_sentiment"]),
            "previous_comments": prev_comments,
            "previous_share": prev_share,
            "share_change": share - prev_share,
            "share_change_p": change_p,
        }
    )
    out["_order"] = range(len(out))
    keep = (out["comments"] > 0) | (out["previous_comments"].fillna(0) > 0)
    out = out[keep].sort_values(
        ["detractors", "comments", "_order"], ascending=[False, False, True], kind="mergesort"
    )
    return out.drop(columns="_order").reset_index(drop=True)


def theme_summary(
    frame: pd.DataFrame,
    themes: ThemeDictionary | None = None,
    *,
    lang: str = "en",
    current: Any = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Per theme, in Pareto order (detractor comments, then volume): the columns of
    :data:`SUMMARY_COLUMNS`.

    ``frame`` has a ``comment`` column and optionally ``ltr`` (0–10, NaN allowed; a
    detractor is ``ltr < 7``), ``period`` and ``unit`` (or any ``by`` column).

    - ``comments``: comments of the (current) period mentioning the theme; ``share``:
      that over all non-blank comments of the period (shares add up to more than 1 when
      comments have several themes).
    - ``rated``: those with a likelihood-to-recommend answer; ``detractors`` among them;
      ``detractor_share`` = detractors / rated (NaN when none is rated).
    - ``mean_sentiment``: mean score in [-1, 1] of the theme's comments.
    - With a ``period`` column the statistics are for ``current`` (default the last period:
      ordered categories in their order, other labels sorted) and ``share_change`` =
      share − share in the period before it (``previous_comments``, ``previous_share``),
      with ``share_change_p``, the p value of the two-proportion test of the change;
      without one, or for the first period, those are missing.

    Themes mentioned in neither period are left out. ``by`` (e.g. ``"unit"``) repeats the
    summary per group, with the group column first."""
    _require(frame, "comment")
    themes = _resolve(themes)
    if by is not None:
        _require(frame, by)
    a = _analyse(frame["comment"], themes)
    ltr = _ltr(frame)
    n = len(frame)
    cur_mask = np.ones(n, dtype=bool)
    prev_mask: np.ndarray | None = None
    if "period" in frame.columns:
        order = _period_order(frame["period"])
        if current is None and order:
            current = order[-1]
        if order and current not in order:
            raise ValueError(f"period {current!r} not in the data; periods: {order!r}")
        if order:
            periods = frame["period"].to_numpy(dtype=object)
            cur_mask = periods == current
            pos = order.index(current)
            if pos > 0:
                prev_mask = periods == order[pos - 1]
    if by is None:
        return _summary_rows(a, ltr, themes, lang, cur_mask, prev_mask)
    parts = []
    groups = frame[by].to_numpy(dtype=object)
    for group in sorted(pd.unique(frame[by].dropna()), key=str):
        in_group = groups == group
        part = _summary_rows(
            a, ltr, themes, lang, cur_mask & in_group,
            None if prev_mask is None else prev_mask & in_group,
        )  # fmt: skip
        part.insert(0, by, group)
        parts.append(part)
    if not parts:
        empty = _summary_rows(a, ltr, themes, lang, np.zeros(n, dtype=bool), None)
        return empty.assign(**{by: pd.Series(dtype=object)})[[by, *SUMMARY_COLUMNS]]
    return pd.concat(parts, ignore_index=True)


# -- quotes -----------------------------------------------------------------------------------


def _clean_quote(text: str) -> str:
    cleaned, _ = strip_control(text)
    return redact_pii(" ".join(cleaned.split()))


def representative_quotes(
    frame: pd.DataFrame,
    theme: str,
    k: int = 3,
    *,
    themes: ThemeDictionary | None = None,
    max_chars: int = 120,
    min_chars: int = 4,
) -> list[str]:
    """Up to ``k`` short, clearly negative comments of ``theme``, PII-redacted.

    Candidates are the theme's comments with a sentiment score ≤ ``CLEARLY_NEGATIVE``.
    Preferred, in this order: detractors (when ``frame`` has ``ltr``), comments of at most
    ``max_chars`` characters, more negative (score rounded to 0.1), shorter, then the text
    itself — so the choice is deterministic. Identical texts count once; texts longer than
    ``max_chars`` are cut with "…" and used only when short ones run out. Phone numbers,
    e-mail addresses and ID numbers are masked (:func:`reportgen.sanitize.redact_pii`)."""
    _require(frame, "comment")
    themes = _resolve(themes)
    if theme not in themes.ids:
        raise ValueError(f"unknown theme {theme!r}; known: {', '.join(themes.ids)}")
    col = themes.ids.index(theme)
    a = _analyse(frame["comment"], themes)
    ltr = _ltr(frame)
    candidates: dict[str, tuple] = {}
    texts = frame["comment"].tolist()
    for row in np.flatnonzero(a.hits[:, col] & (a.sentiment <= CLEARLY_NEGATIVE)):
        text = _clean_quote(str(texts[row]))
        if len(text) < min_chars or is_unpresentable(text):
            continue
        too_long = len(text) > max_chars
        shown = shorten(text, max_chars) if too_long else text
        key = (
            0 if ltr[row] < PASSIVE_MIN else 1,
            too_long,
            round(float(a.sentiment[row]), 1),
            len(text),
            text,
        )
        if shown not in candidates or key < candidates[shown]:
            candidates[shown] = key
    ranked = sorted(candidates, key=lambda s: candidates[s])
    return ranked[: max(k, 0)]


# -- discovery --------------------------------------------------------------------------------


@functools.cache
def _stopwords() -> frozenset[str]:
    path = templates_dir() / "analytics" / _STOPWORDS_FILE
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        words.update(normalise_text(w) for w in line.split())
    lex = load_lexicon()
    words |= lex.negators | lex.hedged_negators | set(lex.multipliers) | lex.contrast
    return frozenset(words)


def _is_content(token: str, stop: frozenset[str], matcher: _Matcher) -> bool:
    if token == BREAK or token in stop:
        return False
    if is_cjk(token):
        if len(token) < 2:
            return False
    elif len(token) < 3 or not token.isalpha():
        return False
    return not matcher.covers(token)


#: What an e-mail address, phone or ID number needs: an @ or a run of digits.
_MAY_HOLD_PII = re.compile(r"@|\d{3}")


def frequent_terms(
    comments: pd.Series,
    top: int = 20,
    *,
    themes: ThemeDictionary | None = None,
    min_df: int = 3,
    unthemed_only: bool = False,
) -> pd.DataFrame:
    """The ``top`` words and adjacent word pairs that no theme covers, by the number of
    comments using them (``documents`` ≥ ``min_df``; ``share`` of non-blank comments).

    Stopwords (``templates/analytics/stopwords.txt`` and the sentiment modifiers), single
    Chinese characters, English words under three letters, numbers and any token matching
    a theme keyword are left out; a word is dropped when a listed pair containing it occurs
    in exactly as many comments. ``unthemed_only`` counts only comments without any theme."""
    themes = _resolve(themes)
    matcher = _matcher(themes)
    stop = _stopwords()
    # personal data never becomes a "term" (zhangwei, 138…): out before the words are cut
    text = comments.astype(object)
    personal = text.map(lambda t: isinstance(t, str) and bool(_MAY_HOLD_PII.search(t)))
    if personal.any():
        text = text.copy()
        text[personal] = text[personal].map(lambda t: redact_pii(t, blank=True))
    tokens = theme_tokenizer(themes).tokens_of(text)
    hits = _hits(tokens, themes) if unthemed_only else None
    per_text: dict[int, set[str]] = {}
    df: Counter[str] = Counter()
    parts_of: dict[str, tuple[str, str]] = {}
    total = 0
    for row, toks in enumerate(tokens):
        if toks is None:
            continue
        if hits is not None and hits[row].any():
            continue
        total += 1
        key = id(toks)
        terms = per_text.get(key)
        if terms is None:
            terms = set()
            content = [_is_content(t, stop, matcher) for t in toks]
            for i, tok in enumerate(toks):
                if not content[i]:
                    continue
                terms.add(tok)
                if i + 1 < len(toks) and content[i + 1]:
                    nxt = toks[i + 1]
                    sep = "" if is_cjk(tok[-1]) and is_cjk(nxt[0]) else " "
                    pair = f"{tok}{sep}{nxt}"
                    parts_of[pair] = (tok, nxt)
                    terms.add(pair)
            per_text[key] = terms
        df.update(terms)
    kept = {t: n for t, n in df.items() if n >= max(min_df, 1)}
    for pair, (left, right) in parts_of.items():
        if pair in kept:
            for word in (left, right):
                if kept.get(word) == kept[pair]:
                    del kept[word]
    ranked = sorted(kept.items(), key=lambda item: (-item[1], item[0]))[: max(top, 0)]
    return pd.DataFrame(
        {
            "term": [t for t, _ in ranked],
            "documents": pd.array([n for _, n in ranked], dtype="int64"),
            "share": [n / total for _, n in ranked] if total else [],
        },
        columns=list(TERM_COLUMNS),
    )


def theme_names(themes: ThemeDictionary | None = None, lang: str = "en") -> Mapping[str, str]:
    """Theme id → display name in ``lang``, in dictionary order."""
    themes = _resolve(themes)
    return {t.id: t.name(lang) for t in themes.themes}
