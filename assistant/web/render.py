"""Rendering replies for the widget: pure functions from the JSON contract to Markdown or HTML.

Visitor text is escaped before display and never goes into HTML; vetted answers and crisis text
render as Markdown with raw tags neutralised here (Gradio sanitises them again).
"""
from __future__ import annotations

import html
from typing import Any

QUICK_EXIT_URL = "https://www.google.com/"  # a neutral page, as the violence lines' own sites use
# Markdown's specials; & < > are left to html.escape (a backslash before an entity would show it raw).
MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|~:=$")


def escape_visitor_text(text: str) -> str:
    """Show what the visitor typed literally: no HTML, no Markdown (links, images, emphasis)."""
    escaped = "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text))
    # After the Markdown escapes, so entities such as &#x27; are not broken by a backslash.
    return html.escape(escaped, quote=False)


def vetted_markdown(text: str) -> str:
    """Vetted or crisis text as Markdown with any raw tag made inert (Gradio sanitises it again)."""
    return str(text or "").replace("<", "&lt;")


def _link(target: str, scheme: str) -> str:
    target = str(target).strip()
    if not target.lower().startswith(scheme + ":"):
        target = f"{scheme}:{target.replace(' ', '')}"
    return target


def render_crisis_block(crisis: dict[str, Any]) -> str:
    """The block that stays above the chat once a crisis was detected: the headline and one
    tap-to-call / tap-to-text button per line (the full crisis message is in the chat turn)."""
    headline = crisis.get("headline") or "If you are in danger right now, call your local emergency number."
    lines = [f"## {vetted_markdown(headline)}"]  # under the page's h1 (headings go down one level at a time)
    for resource in crisis.get("resources") or []:
        links = []
        tel = resource.get("tel_link") or resource.get("tel")
        if tel:
            links.append(f"[Call {vetted_markdown(resource.get('number', ''))}]({_link(tel, 'tel')})")
        sms = resource.get("sms_link") or resource.get("sms")
        if sms:
            label = resource.get("text_instructions") or f"Text {resource.get('sms', '')}"
            links.append(f"[{vetted_markdown(label)}]({_link(sms, 'sms')})")
        if not links and resource.get("number"):
            links.append(vetted_markdown(resource["number"]))
        lines.append(f"- **{vetted_markdown(resource.get('name', ''))}**  \n  " + " ".join(links))
    lines.append("")
    lines.append("_This assistant is automated and cannot send help._")
    return "\n".join(lines)


def render_answer_card(answer: dict[str, Any]) -> str:
    heading = vetted_markdown(answer.get("question") or answer.get("title") or "")
    meta = []
    if answer.get("source"):
        meta.append(f"Source: {vetted_markdown(answer['source'])}")
    if answer.get("reviewed"):
        meta.append(f"reviewed {vetted_markdown(answer['reviewed'])}")
    card = f"**{heading}**\n\n{vetted_markdown(answer['answer'])}"
    if meta:
        card += "\n\n_" + " · ".join(meta) + "_"
    return card


def render_reply(reply: dict[str, Any]) -> str:
    """Markdown for one assistant turn, built only from vetted text and the crisis resources."""
    parts: list[str] = []
    if reply["kind"] == "crisis":
        parts.append(vetted_markdown(reply["crisis"].get("message_markdown") or reply.get("message", "")))
    elif reply.get("message"):
        parts.append(vetted_markdown(reply["message"]))
    if reply["kind"] == "crisis" and reply.get("message") and reply["crisis"].get("message_markdown"):
        parts.append(vetted_markdown(reply["message"]))
    cards = [render_answer_card(a) for a in reply.get("answers", [])]
    parts.append("\n\n---\n\n".join(cards))
    # The closest questions are offered as buttons below the chat (handlers.py), not listed again here.
    if reply["kind"] == "fallback" and reply.get("helpline"):
        helpline = reply["helpline"]
        parts.append(vetted_markdown(helpline.get("markdown") or helpline.get("text", "")))
    for note in reply.get("notes", []):
        parts.append(f"_{vetted_markdown(note)}_")
    return "\n\n".join(p for p in parts if p)


def render_help_bar(resources, region: str) -> str:
    """The compact line of help that every screen carries, whatever happens to a request: the
    region's emergency number and its first crisis line, as tap-to-call / tap-to-text links.

    Short labels ("Call 988"), so the bar takes two lines on a 320 px phone and the question box
    stays on the first screen; each link's accessible name also says whose line it is."""
    emergency, lines = resources.help_bar(region)
    links = [_help_link(emergency.tel_link or "", f"Call {emergency.number}", f"Call {emergency.number}, {emergency.name}")]
    for line in lines:
        if line.tel:
            links.append(_help_link(line.tel_link, f"Call {line.number}", f"Call {line.number}, {line.name}"))
        if line.sms:
            label = line.text_instructions or f"Text {line.sms}"
            links.append(_help_link(line.sms_link, label, f"{label}, {line.name}"))
    name = resources.region(region).name
    change = (f'<a class="change-region" href="#region" aria-label="Crisis lines for {html.escape(name, quote=True)}:'
              ' change country" onclick="const i = document.querySelector(\'#region input\');'
              ' if (i) { i.scrollIntoView({block: \'center\'}); i.focus(); } return false;">Change country</a>')
    return f'<strong>In danger?</strong> {" · ".join(links)} {change}'


def _help_link(href: str, label: str, name: str) -> str:
    return (f'<a href="{html.escape(href, quote=True)}" aria-label="{html.escape(name, quote=True)}">'
            f"{html.escape(label)}</a>")


def render_help_bars(resources, region: str) -> str:
    """One help bar per region, only `region`'s shown: a region change switches it in the page
    itself, so the lines are there even when the server cannot be reached."""
    bars = [f'<p data-help-region="{html.escape(code, quote=True)}"{"" if code == region else " hidden"}>'
            f"{render_help_bar(resources, code)}</p>" for code in resources.regions]
    # Sites for people living with violence carry a quick exit (../shared/crisis-resources.md): it
    # replaces this page with a neutral one, so the back button does not return here either.
    exit_link = (f'<a id="quick-exit" href="{html.escape(QUICK_EXIT_URL, quote=True)}" rel="noreferrer" '
                 'onclick="window.location.replace(this.href); return false;">Quick exit</a>')
    return f'<nav id="help-bar" aria-label="Crisis lines">{exit_link}{"".join(bars)}</nav>'
