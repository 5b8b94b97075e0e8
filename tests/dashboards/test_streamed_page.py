"""The page's side of the streamed upload (``dashboards/streamed_upload.py``): who gets a
token, every refusal in German and English, the file field's limit as configured, and sizes
as the page shows them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboards import data, i18n, streamed_upload, uploads
from pipelines.app import streamed

ROOT = Path(__file__).resolve().parents[2]
P01 = data.Viewer("participant", participant="p01")
COACH_A = data.Viewer("coach", groups=frozenset({"group-a"}))  # p01, p03
ADMIN = data.Viewer("admin")


@pytest.mark.parametrize(
    ("viewer", "participant", "allowed"),
    [
        (P01, "p01", True),  # their own data
        (P01, "p02", False),  # another participant's
        (P01, "p03", False),
        (COACH_A, "p01", True),  # a participant of the coach's group (as every upload)
        (COACH_A, "p02", False),  # not of their groups
        (ADMIN, "p02", True),
    ],
)
def test_a_token_only_for_data_the_viewer_may_add(
    tables: data.StoreTables, viewer: data.Viewer, participant: str, allowed: bool
) -> None:
    if not allowed:
        with pytest.raises(PermissionError):
            streamed_upload.issue_for(viewer, participant, tables)
        return
    token = streamed_upload.issue_for(viewer, participant, tables, now=1_800_000_000)
    secret = tables.store.token_secret()
    assert streamed.verify_token(secret, token, now=1_800_000_000) == participant


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_refusal_is_named_in_both_languages(lang: str) -> None:
    texts = [*streamed_upload.REFUSALS.values(), streamed_upload.INTERRUPTED]
    assert i18n.missing(texts) == []
    i18n.use(lang)  # type: ignore[arg-type]
    try:
        for code in [*streamed_upload.REFUSALS, "interrupted", "unknown", "out_of_order"]:
            outcome = streamed_upload.Outcome("export.zip", code=code)
            shown = streamed_upload.message(outcome, 4 << 30)
            assert "export.zip" in shown
            assert ("Nichts" in shown) == (lang == "de")
        outcome = streamed_upload.Outcome("e.zip", code="too_large")
        assert "4 GiB" in streamed_upload.message(outcome, 4 << 30)
    finally:
        i18n.use("en")


def test_every_code_of_the_endpoint_has_words() -> None:
    # refusals a person can act on are named; the others read as an interruption (upload again)
    named = set(streamed_upload.REFUSALS)
    assert named <= set(streamed.STATUS)
    assert set(streamed.STATUS) - named == {"unknown", "out_of_order", "bad_request"}


def test_the_file_fields_limit_is_streamlits() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    [size] = re.findall(r"^maxUploadSize = (\d+)$", config, re.M)
    assert int(size) == uploads.FORM_MAX_UPLOAD_MB == 200
    assert uploads.form_limit_shown() == "200 MiB"


@pytest.mark.parametrize(
    ("size", "en", "de"),
    [
        (4 * 1024**3, "4 GiB", "4 GiB"),
        (1536 * 1024**2, "1.5 GiB", "1,5 GiB"),
        (200 * 1024**2, "200 MiB", "200 MiB"),
        (3 * 1024**2 + 1, "3.0 MiB", "3,0 MiB"),
        (2048, "2 KiB", "2 KiB"),
        (1000, "1,000 bytes", "1.000 bytes"),
    ],
)
def test_sizes_as_the_page_shows_them(size: int, en: str, de: str) -> None:
    try:
        i18n.use("en")
        assert i18n.fmt_bytes(size) == en
        i18n.use("de")
        assert i18n.fmt_bytes(size) == de
    finally:
        i18n.use("en")
