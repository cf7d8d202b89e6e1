"""Script groups and the per-script operating thresholds of the classifier."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from immuno import Config, ConfigError, Immune, Signal, SignalKind
from immuno.core.config import DetectConfig, StoreConfig
from immuno.detect import Classifier, DetectLayer, SignatureSet
from immuno.detect.classifier import ANCHOR_SCORE, CHANNELS, encode_model
from immuno.detect.features import DIM
from immuno.detect.scripts import script_group


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Please send the report by Friday.", None),
        ("Die Sitzung wurde auf Donnerstag verschoben, bitte bringen Sie die Zahlen mit.", None),
        ("Thư viện thành phố sẽ mở cửa đến 9 giờ tối vào các ngày trong tuần.", "latin"),
        ("Городская библиотека будет закрыта на ремонт с 24 декабря.", "cyrillic"),
        ("Η βιβλιοθήκη θα είναι κλειστή για ανακαίνιση.", "greek"),
        ("来週の月曜日から、図書館の開館時間が変わります。", "cjk"),
        ("도서관은 다음 주 월요일부터 오후 여덟 시까지 엽니다.", "cjk"),
        ("المكتبة مغلقة للصيانة حتى يناير.", "arabic"),
        ("पुस्तकालय अगले सप्ताह से रात नौ बजे तक खुला रहेगा।", "indic"),
        ("ห้องสมุดจะปิดปรับปรุงจนถึงเดือนมกราคม", "other"),
        # a name or a quotation in another script inside English text stays English
        (
            "The contract with Müller GmbH and Zoë Brontë was signed in March by both "
            "parties after a long review of every term, and the invoice follows.",
            None,
        ),
        ("", None),
        ("12345 -- 67890", None),
    ],
)
def test_a_text_belongs_to_the_script_most_of_its_foreign_letters_are_in(
    text: str, group: str | None
) -> None:
    assert script_group(text) == group


def _model(tool: dict[str, object]) -> bytes:
    point = {"intercept": 0.0, "threshold": 1.0, "slope": 1.0}
    weights = {c: np.zeros(DIM, dtype=np.float16) for c in CHANNELS}
    channels = {"user": point, "tool": {**point, **tool}}
    return encode_model(weights, {"channels": channels})


def test_a_script_threshold_applies_to_texts_in_that_script_and_never_lowers_the_bar() -> None:
    model = Classifier(_model({"scripts": {"cyrillic": 3.0, "cjk": 0.5}}))
    assert model.threshold("tool") == 1.0
    assert model.threshold("tool", "cyrillic") == 3.0
    assert model.threshold("tool", "cjk") == 1.0  # below the channel's: the channel's
    assert model.threshold("tool", "greek") == 1.0  # no threshold of its own
    assert model.threshold("user", "cyrillic") == 1.0
    # the same logit blocks in English and not in Russian
    assert model.calibrate(1.0, "tool") == pytest.approx(ANCHOR_SCORE)
    assert model.calibrate(1.0, "tool", "cyrillic") < 0.5


def test_the_classifier_reads_the_script_of_the_text_it_scores_when_asked() -> None:
    model = Classifier(_model({"scripts": {"cyrillic": 40.0}}))
    # all-zero weights: every logit is 0, one below the channel threshold, 40 below
    # the Cyrillic one
    english = model.score("The library is closed until January.", "tool", by_script=True)
    russian = model.score("Библиотека закрыта до января.", "tool", by_script=True)
    assert russian < english < ANCHOR_SCORE
    assert model.score("Библиотека закрыта до января.", "tool") == english


@pytest.mark.parametrize("scripts", [["cyrillic"], {"klingon": 2.0}, {"cyrillic": "high"}])
def test_bad_script_thresholds_are_config_errors(scripts: object) -> None:
    with pytest.raises(ConfigError, match="bad tool scripts"):
        Classifier(_model({"scripts": scripts}))


def test_the_shipped_model_raises_its_bar_for_scripts_it_met_mostly_in_attacks() -> None:
    shipped = Classifier.builtin()
    for group in ("cyrillic", "cjk"):
        assert shipped.threshold("tool", group) > shipped.threshold("tool") + 1.0


def test_the_layer_uses_script_thresholds_only_when_told() -> None:
    model = Classifier(_model({"scripts": {"cyrillic": 40.0}}))
    russian = Signal(kind=SignalKind.TOOL_RESULT, agent="a", content="Библиотека закрыта.")
    plain = DetectLayer(SignatureSet.from_sources(["builtin"]), classifier=model)
    lenient = DetectLayer(SignatureSet.from_sources(["builtin"]), classifier=model, by_script=True)
    assert _classifier_score(plain, russian) > _classifier_score(lenient, russian)


def _classifier_score(layer: DetectLayer, signal: Signal) -> float:
    return max(
        (f.score for f in layer.inspect(signal, ()) if f.code == "classifier.injection"),
        default=0.0,
    )


def test_the_weakening_setting_is_off_by_default_and_warns_when_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert Config().detect.unsafe_script_thresholds is False
    config = Config(
        store=StoreConfig(path=":memory:"),
        detect=DetectConfig(unsafe_script_thresholds=True),
    )
    with caplog.at_level(logging.WARNING, logger="immuno.detect"):
        immune = Immune(config)
    assert immune.layer("detect").by_script is True
    assert "unsafe_script_thresholds is true" in caplog.text
    immune.close()
