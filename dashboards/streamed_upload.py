"""The page's streamed upload of one large export (up to the limit of
``config.streamed_upload_max_bytes``, 4 GiB by default): a Streamlit component
(``st.components.v2``: its JavaScript runs in the page, no iframe) that sends the chosen
file in chunks of 8 MiB (``File.slice`` and ``fetch``) to the dashboard server's endpoint
(``dashboards/upload_route.py``) and shows the progress — percent and MB of MB. Neither
the browser nor the server ever holds the whole file; the server seals each piece into the
raw store as it comes.

The page gives the component a token (``streamed.issue_token``) only for a participant the
viewer may add data for (``data.require_write``, as for every upload); the token is kept
for the session and renewed before it expires, so the component is not re-mounted (and an
upload in progress not cut) by the page's reruns. When the last chunk is in, the component
tells the page the upload's id, and the page shows the ingest the endpoint started, as for
every upload (``dashboards.uploads``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final

import streamlit as st

from dashboards import data
from dashboards.i18n import current, fmt_bytes, register, t
from pipelines.app import streamed

TOKEN_KEY: Final = "streamed_upload_token"  # participant → (token, issued at)
RENEW_AFTER_S: Final = streamed.TOKEN_TTL_S / 2

register(
    {
        "Large export (one file up to {limit}, e.g. Apple Health export.zip)": (
            "Großer Export (eine Datei bis {limit}, z. B. Apple-Health-export.zip)"
        ),
        "Upload large export": "Großen Export hochladen",
        "Choose file": "Datei wählen",
        "No file chosen": "Keine Datei gewählt",
        "Choose a file first.": "Bitte zuerst eine Datei wählen.",
        "Uploading {name}: {percent}% — {done} of {total} MB": (
            "{name} wird hochgeladen: {percent} % — {done} von {total} MB"
        ),
        "Uploaded {name} ({total} MB) — it is being read now.": (
            "{name} hochgeladen ({total} MB) — die Datei wird jetzt eingelesen."
        ),
        "The upload of {name} was refused: the file is larger than the limit of {limit} for "
        "one upload. Export a shorter period, or ask your coach to add it with `backtrack "
        "ingest`. Nothing was stored.": (
            "Das Hochladen von {name} wurde abgelehnt: Die Datei ist größer als die Grenze von "
            "{limit} für eine Datei. Exportieren Sie einen kürzeren Zeitraum oder bitten Sie "
            "Ihre Betreuung, sie mit `backtrack ingest` einzulesen. Nichts wurde gespeichert."
        ),
        "The upload of {name} was refused: your permission to upload has expired or is not "
        "valid. Reload the page and try again. Nothing was stored.": (
            "Das Hochladen von {name} wurde abgelehnt: Ihre Berechtigung zum Hochladen ist "
            "abgelaufen oder ungültig. Laden Sie die Seite neu und versuchen Sie es noch "
            "einmal. Nichts wurde gespeichert."
        ),
        "The upload of {name} was interrupted (the connection was lost, the page was closed "
        "or the server stopped it). Nothing of it was kept; please upload the file again.": (
            "Das Hochladen von {name} wurde unterbrochen (die Verbindung ist abgebrochen, die "
            "Seite wurde geschlossen oder der Server hat es beendet). Nichts davon wurde "
            "behalten; bitte laden Sie die Datei noch einmal hoch."
        ),
        "The upload of {name} was refused: this participant's data was erased. Nothing was "
        "stored.": (
            "Das Hochladen von {name} wurde abgelehnt: Die Daten dieser Person wurden "
            "gelöscht. Nichts wurde gespeichert."
        ),
        "The upload of {name} could not be stored: the server has no key for the encrypted "
        "store. Tell the administrator. Nothing was stored.": (
            "{name} konnte nicht gespeichert werden: Der Server hat keinen Schlüssel für den "
            "verschlüsselten Speicher. Bitte der Administration melden. Nichts wurde "
            "gespeichert."
        ),
        "Large exports are uploaded through the dashboard's server (`backtrack up` or "
        "`streamlit run dashboards/server.py`); here, use the field above (up to {limit}).": (
            "Große Exporte werden über den Server des Dashboards hochgeladen (`backtrack up` "
            "oder `streamlit run dashboards/server.py`); hier bitte das Feld oben nutzen (bis "
            "{limit})."
        ),
    }
)

# what the page says for each refusal code of the endpoint (``streamed.STATUS``) and for an
# upload the browser lost ("interrupted")
_TOO_LARGE: Final = (
    "The upload of {name} was refused: the file is larger than the limit of {limit} for one "
    "upload. Export a shorter period, or ask your coach to add it with `backtrack ingest`. "
    "Nothing was stored."
)
_FORBIDDEN: Final = (
    "The upload of {name} was refused: your permission to upload has expired or is not "
    "valid. Reload the page and try again. Nothing was stored."
)
INTERRUPTED: Final = (
    "The upload of {name} was interrupted (the connection was lost, the page was closed or "
    "the server stopped it). Nothing of it was kept; please upload the file again."
)
_ERASED: Final = (
    "The upload of {name} was refused: this participant's data was erased. Nothing was stored."
)
_NO_KEY: Final = (
    "The upload of {name} could not be stored: the server has no key for the encrypted "
    "store. Tell the administrator. Nothing was stored."
)
REFUSALS: Final = {
    streamed.TOO_LARGE: _TOO_LARGE,
    streamed.FORBIDDEN: _FORBIDDEN,
    streamed.ERASED: _ERASED,
    streamed.NO_KEY: _NO_KEY,
}

# The browser's own file field names its button and "no file" in the browser's language, not
# the page's: it is kept (keyboard and screen readers reach it) but drawn as the page's own
# button and the chosen file's name, in the page's language.
HTML: Final = """
<div class="bt-upload">
  <span class="bt-label-text"></span>
  <div class="bt-pick">
    <label class="bt-choose"><input type="file" class="bt-file" data-backtrack-streamed="1">
      <span class="bt-choose-text"></span></label>
    <span class="bt-chosen"></span>
  </div>
  <button type="button" class="bt-start"></button>
  <progress class="bt-progress" max="100" value="0" hidden></progress>
  <div class="bt-status" role="status" aria-live="polite"></div>
</div>
"""

CSS: Final = """
.bt-upload { display: flex; flex-direction: column; gap: 0.5rem; font-family: var(--st-font); }
.bt-pick { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
.bt-file { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); border: 0; }
.bt-choose, .bt-start { font: inherit; font-size: 0.875rem; line-height: 1.6;
  padding: 0.25rem 0.75rem; border-radius: 0.5rem;
  border: 1px solid var(--st-border-color); background: var(--st-secondary-background-color);
  color: var(--st-text-color); cursor: pointer; }
.bt-choose:focus-within { outline: 2px solid var(--st-primary-color); outline-offset: 2px; }
.bt-chosen { color: var(--st-text-color); overflow-wrap: anywhere; }
.bt-start { align-self: flex-start; }
.bt-start:disabled, .bt-choose:has(.bt-file:disabled) { opacity: 0.5; cursor: default; }
.bt-chosen, .bt-status { font-size: 0.875rem; }
.bt-progress { width: 100%; height: 1rem; }
.bt-status { color: var(--st-text-color); }
.bt-status.bt-error { color: var(--st-red-text-color); }
"""

# One request per chunk; the token in a header (never the URL); on any failure the upload
# is stopped on the server (DELETE) and the page is told why. The limit is the server's to
# apply (from the declared size, before a byte is sent), not the browser's.
JS: Final = """
// What an upload in progress needs survives the page's reruns: Streamlit may call this
// function again (or mount the component afresh) while an upload runs. The upload keeps
// going in the first call's closure and always draws into the elements and reports through
// the callbacks of the latest call, so a rerun neither loses the progress nor the result.
const live = (window.__backtrackStreamed = window.__backtrackStreamed || { busy: false });

export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  const root = parentElement.querySelector('.bt-upload');
  const input = root.querySelector('.bt-file');
  const button = root.querySelector('.bt-start');
  const chosen = root.querySelector('.bt-chosen');
  root.querySelector('.bt-label-text').textContent = data.text.label;
  root.querySelector('.bt-choose-text').textContent = data.text.pick;
  button.textContent = data.text.button;
  live.view = {
    bar: root.querySelector('.bt-progress'),
    status: root.querySelector('.bt-status'),
    input: input,
    button: button,
    chosen: chosen,
    text: data.text,
    locale: data.locale,
    trigger: setTriggerValue,
  };
  const showChosen = () => {
    const view = live.view;
    view.chosen.textContent = view.input.files.length
      ? view.input.files[0].name : view.text.none;
  };
  input.onchange = showChosen;
  showChosen();
  if (live.busy) {  // a rerun during an upload: show where it stands
    button.disabled = true;
    input.disabled = true;
    live.view.bar.hidden = false;
    if (live.shown) live.shown();
  }
  let digits = 1;  // MB with one decimal; two for a file under 1 MB
  const mb = (bytes) => (bytes / 1e6).toLocaleString(live.view.locale,
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const fill = (template, values) =>
    template.replace(/\\{(\\w+)\\}/g, (whole, key) => (key in values ? values[key] : whole));
  const say = (text, error) => {
    live.view.status.textContent = text;
    live.view.status.classList.toggle('bt-error', Boolean(error));
  };
  const headers = { 'X-Backtrack-Token': data.token };

  async function refusal(response) {
    try { return (await response.json()).error || 'interrupted'; }
    catch (e) { return 'interrupted'; }
  }

  async function send(file) {
    const total = file.size;
    digits = total < 1e6 ? 2 : 1;
    let done = 0;
    live.shown = () => {
      const percent = total ? Math.floor((100 * done) / total) : 100;
      live.view.bar.value = percent;
      say(fill(live.view.text.progress,
        { name: file.name, percent: percent, done: mb(done), total: mb(total) }));
    };
    const progress = (bytes) => { done = bytes; live.shown(); };
    live.view.bar.hidden = false;
    progress(0);
    let upload = null;
    try {
      const begun = await fetch(data.endpoint, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: file.name, size: total }),
      });
      if (!begun.ok) return await refusal(begun);
      const started = await begun.json();
      upload = started.upload;
      let offset = 0;
      do {
        const end = Math.min(offset + started.chunk_bytes, total);
        const sent = await fetch(`${data.endpoint}/${upload}?offset=${offset}`, {
          method: 'PUT',
          headers: { ...headers, 'Content-Type': 'application/octet-stream' },
          body: file.slice(offset, end),
        });
        if (!sent.ok) return await refusal(sent);
        const answer = await sent.json();
        offset = answer.received;
        progress(offset);
        if (answer.done) {
          live.shown = () =>
            say(fill(live.view.text.uploaded, { name: file.name, total: mb(total) }));
          live.shown();
          live.view.trigger('done', { upload: upload, name: file.name });
          upload = null;
          return null;
        }
      } while (offset < total);
      return 'interrupted';
    } catch (e) {
      return 'interrupted';
    } finally {
      if (upload !== null) {
        fetch(`${data.endpoint}/${upload}`, { method: 'DELETE', headers: headers })
          .catch(() => {});
      }
    }
  }

  button.onclick = async () => {
    if (live.busy) return;
    const file = input.files[0];
    if (!file) { say(data.text.choose, true); return; }
    live.busy = true;
    button.disabled = true;
    input.disabled = true;
    const failed = await send(file);
    const view = live.view;  // the latest call's elements
    if (failed !== null) {  // the page says why, in the person's language
      view.bar.hidden = true;
      live.shown = null;
      say('');
      view.trigger('failed', { code: failed, name: file.name });
    }
    live.busy = false;
    view.button.disabled = false;
    view.input.disabled = false;
    view.input.value = '';
    showChosen();
  };
}
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the component reported in this run: an upload finished (``upload`` its id) or
    failed (``code``, one of :data:`REFUSALS` or ``interrupted``)."""

    name: str
    upload: str | None = None
    code: str | None = None


_component: Any = None


def _mount() -> Any:
    global _component
    if _component is None:
        _component = st.components.v2.component(
            "backtrack_streamed_upload", html=HTML, css=CSS, js=JS
        )
    return _component


def issue_for(
    viewer: data.Viewer, participant: str, tables: data.Tables, now: float | None = None
) -> str:
    """A new token for streamed uploads to ``participant``'s data — only for a viewer who may
    add it (``data.require_write``; ``PermissionError`` otherwise, before any token exists)."""
    data.require_write(viewer, participant, tables)
    return streamed.issue_token(tables.store.token_secret(), participant, now)


def token(viewer: data.Viewer, participant: str, tables: data.Tables | None = None) -> str:
    """:func:`issue_for`, kept for the session and renewed halfway to its expiry (so that
    the page's reruns do not re-mount the component); the viewer's right is checked on
    every run."""
    tables = tables or data.cached_tables()
    data.require_write(viewer, participant, tables)
    kept: dict[str, tuple[str, float]] = st.session_state.setdefault(TOKEN_KEY, {})
    now = time.time()
    found = kept.get(participant)
    if found is None or now - found[1] > RENEW_AFTER_S:
        found = kept[participant] = (issue_for(viewer, participant, tables, now), now)
    return found[0]


def message(outcome: Outcome, limit_bytes: int) -> str:
    """Why an upload failed, in the person's language."""
    template = REFUSALS.get(outcome.code or "", INTERRUPTED)
    return t(template, name=outcome.name, limit=fmt_bytes(limit_bytes))


def show(upload_token: str, endpoint: str, limit_bytes: int) -> Outcome | None:
    """The component; what it reported in this run, if anything."""
    limit = fmt_bytes(limit_bytes)
    result = _mount()(
        key="streamed_upload",
        data={
            "token": upload_token,
            "endpoint": endpoint,
            "locale": "de-DE" if current() == "de" else "en-GB",
            "text": {
                "label": t(
                    "Large export (one file up to {limit}, e.g. Apple Health export.zip)",
                    limit=limit,
                ),
                "button": t("Upload large export"),
                "pick": t("Choose file"),
                "none": t("No file chosen"),
                "choose": t("Choose a file first."),
                "progress": t(
                    "Uploading {name}: {percent}% — {done} of {total} MB",
                    name="{name}",
                    percent="{percent}",
                    done="{done}",
                    total="{total}",
                ),
                "uploaded": t(
                    "Uploaded {name} ({total} MB) — it is being read now.",
                    name="{name}",
                    total="{total}",
                ),
            },
        },
        on_done_change=lambda: None,
        on_failed_change=lambda: None,
    )
    done = getattr(result, "done", None)
    if isinstance(done, dict) and isinstance(done.get("upload"), str):
        return Outcome(str(done.get("name", "")), upload=done["upload"])
    failed = getattr(result, "failed", None)
    if isinstance(failed, dict):
        return Outcome(str(failed.get("name", "")), code=str(failed.get("code", "interrupted")))
    return None
