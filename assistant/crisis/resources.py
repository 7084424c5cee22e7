"""Region-aware crisis resources and the visitor-facing crisis reply.

The numbers live in ``data/resources.yaml`` (each with its source and verified date); staff
overlay them in ``knowledge/crisis/*.yaml`` under ``regions:``, merged per region, per line and per
field. A broken overlay never removes a region: that region falls back to the built-in entry and the
problem is recorded in ``resources.warnings``.

The reply follows the safe-messaging rules in the project's crisis reference: the emergency number in
the first sentence, a 24/7 line with tap-to-call and tap-to-text links, a short list (emergency + at
most two lines + poison help for overdoses), a path for "someone else is in danger", one grounding
step, hope, and a plain statement that the assistant is automated and cannot send help. It never
contains method, dose or lethality details and uses no stigmatising words ("committed suicide").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from assistant.crisis.helpline import asks_about_treatment, fallback_helpline, treatment_line
from assistant.crisis.rules import DATA_DIR, overlay_files
from assistant.crisis.screen import CrisisResult
from assistant.yamlfile import line_of
from assistant.yamlfile import read_lenient as read_crisis_yaml

KINDS = ("emergency", "crisis_line", "drug_alcohol", "poison", "violence_line", "child_line")
RESOURCES_FILE = "resources.yaml"

_TEL = re.compile(r"\+?\d{2,15}")
_SMS = re.compile(r"\d{3,15}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REQUIRED = ("name", "number", "source", "verified")
_LINE_FIELDS = {"name", "kind", "number", "tel", "sms", "sms_body", "text_instructions", "chat", "hours",
                "scope", "audience", "languages", "source", "verified", "caveat", "note", "in_language",
                "treatment_referral"}
_REGION_FIELDS = {"name", "aliases", "emergency", "lines", "overdose_note"}

# Wording reviewed against the safe-messaging rules; {emergency} is a tap-to-call link.
_HEADLINES = {
    "suicide_self_harm": "If you are in danger right now or have hurt yourself, call {emergency} now.",
    "overdose_poisoning": "If you may have taken too much or been poisoned, or feel very drowsy or "
                          "struggle to breathe, call {emergency} now and don't stay alone.",
    "medical_emergency": "If someone is unconscious, having a seizure, chest pain or trouble breathing, "
                         "call {emergency} now.",
    "violence_abuse": "If you or someone else is in danger right now, call {emergency} when it is safe to.",
    "dangerous_withdrawal": "Withdrawal can be dangerous: if there is confusion, seeing or hearing things, "
                            "a seizure or chest pain, call {emergency} now.",
    None: "If you are in danger right now, call {emergency}.",
}
_HEADLINES_THIRD = {
    "overdose_poisoning": "If someone may have overdosed or been poisoned, or is hard to wake or "
                          "struggling to breathe, call {emergency} now.",
    "suicide_self_harm": "If someone is in immediate danger of harming themselves, call {emergency} now.",
    "violence_abuse": "If someone is being hurt or threatened right now, call {emergency} when it is safe to.",
    "dangerous_withdrawal": "Withdrawal can be dangerous: if they are confused, seeing or hearing things, "
                            "having a seizure or chest pain, call {emergency} now.",
}
# A short or ambiguous message ("cant anymore", "bye everyone"): a gentle question, the lines first,
# then whatever the FAQ has (docs/crisis.md: the check-in tier).
_CHECK_IN = ("It sounds like things may be really hard right now. If you are thinking of harming yourself "
             "or you are in danger, call {emergency} now.")
_TALK = "You can talk to someone right now, day or night:"
_GROUNDING = ("One thing to try right now: breathe in slowly for a count of four and out for a count of "
              "six, a few times, and notice your feet on the floor.")
_HOPE = ("You don't have to face this alone. Many people have felt this way and got through it, "
         "and the people on these lines want to help.")
_AUTOMATED = ("_This assistant is automated and is not monitored by a person. It cannot see where you "
              "are, contact anyone or send help, so please use the numbers above._")


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    kind: str
    number: str
    tel: str | None
    hours: str
    source: str
    verified: str
    sms: str | None = None
    sms_body: str | None = None
    text_instructions: str | None = None
    chat: str | None = None
    scope: str = "national"
    audience: str | None = None
    languages: str | None = None
    treatment_referral: bool = False  # helps people find treatment: leads the fallback to a treatment question
    caveat: str | None = None
    note: str | None = None
    in_language: tuple[tuple[str, str], ...] = ()  # (language code, the line's option said in it)

    def option_in(self, language: str | None) -> str | None:
        return dict(self.in_language).get(language) if language else None

    @property
    def tel_link(self) -> str | None:
        return f"tel:{self.tel}" if self.tel else None

    @property
    def sms_link(self) -> str | None:
        if not self.sms:
            return None
        return f"sms:{self.sms}" + (f"?body={quote(self.sms_body)}" if self.sms_body else "")

    @property
    def shown_to_visitors(self) -> bool:
        return self.caveat is None

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "number": self.number,
            "tel": self.tel,
            "tel_link": self.tel_link,
            "hours": self.hours,
            "source": self.source,
            "verified": self.verified,
        }
        if self.sms:
            data["sms"] = self.sms
            data["sms_link"] = self.sms_link
            data["text_instructions"] = self.text_instructions or f"Text {self.sms}"
        for key in ("chat", "audience", "languages", "caveat", "note"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.in_language:
            data["in_language"] = dict(self.in_language)
        return data

    # markdown pieces -------------------------------------------------------------------------------
    def call_link(self) -> str | None:
        return f"[call {self.number}]({self.tel_link})" if self.tel else None

    def text_link(self) -> str | None:
        if not self.sms:
            return None
        label = (self.text_instructions or f"Text {self.sms}")
        return f"[{label[0].lower() + label[1:]}]({self.sms_link})"

    def markdown_item(self) -> str:
        links = [link for link in (self.call_link(), self.text_link()) if link]
        extras = []
        if self.hours:
            extras.append(self.hours)
        if self.audience:
            extras.append(f"for {self.audience}")
        label = f"**{self.name}**" + (f" ({', '.join(extras)})" if extras else "")
        return f"- {label}: " + " · ".join(links)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    aliases: tuple[str, ...]
    emergency: Resource
    lines: tuple[Resource, ...]
    overdose_note: str | None = None


@dataclass(frozen=True)
class CrisisReply:
    """The crisis block shown above any FAQ answer. ``to_dict()`` is the contract."""

    region: str
    headline: str
    resources: tuple[Resource, ...]
    markdown: str
    category: str | None = None
    third_party: bool = False
    language: str = "en"     # the language the headline is in
    check_in: bool = False   # the gentle check-in for an ambiguous message, not the full crisis reply

    @property
    def message_markdown(self) -> str:
        return self.markdown

    def to_dict(self) -> dict:
        return {
            "region": self.region,
            "headline": self.headline,
            "category": self.category,
            "third_party": self.third_party,
            "language": self.language,
            "check_in": self.check_in,
            "resources": [r.to_dict() for r in self.resources],
            "message_markdown": self.markdown,
        }


class _Invalid(Exception):
    pass


def _build_resource(rid: str, raw: Any, kind: str | None = None) -> Resource:
    if not isinstance(raw, dict):
        raise _Invalid(f"{rid}: expected a mapping of fields")
    unknown = set(raw) - _LINE_FIELDS
    if unknown:
        raise _Invalid(f"{rid}: unknown field(s) {', '.join(sorted(unknown))}")
    in_language = raw.get("in_language") or {}
    if not isinstance(in_language, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in in_language.items()):
        raise _Invalid(f"{rid}: in_language must map a language code (es, fr, ...) to a sentence in it")
    values = {k: (str(v) if v is not None and not isinstance(v, str) else v) for k, v in raw.items()
              if k != "in_language"}
    for key in _REQUIRED:
        if not values.get(key):
            raise _Invalid(f"{rid}: '{key}' is required")
    kind = kind or values.get("kind")
    if kind not in KINDS:
        raise _Invalid(f"{rid}: kind {kind!r} must be one of {', '.join(KINDS[1:])}")
    tel = values.get("tel")
    if tel is not None and not _TEL.fullmatch(tel):
        raise _Invalid(f"{rid}: tel {tel!r} must be digits with an optional leading + (it becomes a tel: link)")
    sms = values.get("sms")
    if sms is not None and not _SMS.fullmatch(sms):
        raise _Invalid(f"{rid}: sms {sms!r} must be digits only (it becomes an sms: link)")
    if not tel and not sms:
        raise _Invalid(f"{rid}: needs a tel (call) or an sms (text) number")
    if kind == "emergency" and not tel:
        raise _Invalid(f"{rid}: the emergency number needs a tel")
    if not _DATE.fullmatch(values["verified"]):
        raise _Invalid(f"{rid}: verified {values['verified']!r} must be a date YYYY-MM-DD")
    if values.get("caveat") not in (None, "*", "?"):
        raise _Invalid(f"{rid}: caveat must be '*', '?' or null")
    referral = raw.get("treatment_referral", False)
    if not isinstance(referral, bool):
        raise _Invalid(f"{rid}: treatment_referral must be true or false")
    values.pop("treatment_referral", None)
    if values.get("scope", "national") not in ("national", "regional"):
        raise _Invalid(f"{rid}: scope must be 'national' or 'regional'")
    return Resource(
        id=rid, name=values["name"], kind=kind, number=values["number"], tel=tel,
        hours=values.get("hours") or "", source=values["source"], verified=values["verified"], sms=sms,
        sms_body=values.get("sms_body"), text_instructions=values.get("text_instructions"),
        chat=values.get("chat"), scope=values.get("scope") or "national", audience=values.get("audience"),
        languages=values.get("languages"), caveat=values.get("caveat"), note=values.get("note"),
        in_language=tuple((code, text.strip()) for code, text in in_language.items()),
        treatment_referral=referral,
    )


def _build_region(code: str, raw: Any) -> Region:
    if not isinstance(raw, dict):
        raise _Invalid(f"region {code}: expected a mapping")
    unknown = set(raw) - _REGION_FIELDS
    if unknown:
        raise _Invalid(f"region {code}: unknown field(s) {', '.join(sorted(unknown))}")
    if not raw.get("name"):
        raise _Invalid(f"region {code}: 'name' is required")
    emergency = _build_resource(f"{code}.emergency", raw.get("emergency"), kind="emergency")
    lines_raw = raw.get("lines") or {}
    if not isinstance(lines_raw, dict):
        raise _Invalid(f"region {code}: 'lines' must be a mapping of id: fields")
    lines = tuple(_build_resource(rid, value) for rid, value in lines_raw.items() if value is not None)
    if not any(line.kind == "crisis_line" and line.tel and line.shown_to_visitors for line in lines):
        raise _Invalid(f"region {code}: needs at least one confirmed crisis_line with a tel number")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list):
        raise _Invalid(f"region {code}: aliases must be a list")
    return Region(code, str(raw["name"]), tuple(str(a).upper() for a in aliases), emergency, lines,
                  raw.get("overdose_note"))


def _merge_fields(base: Any, patch: Any) -> Any:
    """Per-field merge: mappings merge key by key; None deletes; anything else replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = _merge_fields(merged[key], value)
            else:
                merged[key] = value
        return merged
    return patch


class CrisisResources:
    """Region data + the crisis reply. Build with ``CrisisResources.load(knowledge_dir)``."""

    def __init__(self, regions: dict[str, Region], default_region: str, warnings: list[str]):
        self._regions = regions
        self.default_region = default_region if default_region in regions else next(iter(regions))
        self.warnings = warnings
        self._aliases: dict[str, str] = {}
        for code, region in regions.items():
            self._aliases[code.upper()] = code
            for alias in region.aliases:
                self._aliases.setdefault(alias, code)

    @classmethod
    def load(cls, knowledge_dir: Path | None = None, data_dir: Path | None = None) -> "CrisisResources":
        warnings: list[str] = []
        path = (data_dir or DATA_DIR) / RESOURCES_FILE
        document, problems = read_crisis_yaml(path)
        warnings.extend(problems)
        if document is None or not isinstance(document.get("regions"), dict):
            raise RuntimeError(f"{path}: the built-in crisis resources are missing or broken: {problems}")
        raw_regions: dict[str, Any] = dict(document["regions"])
        regions: dict[str, Region] = {}
        for code, raw in raw_regions.items():
            try:
                regions[str(code).upper()] = _build_region(str(code).upper(), raw)
            except _Invalid as exc:
                warnings.append(f"{path}:{line_of(raw)}: {exc}; region skipped")
        if not regions:
            raise RuntimeError(f"{path}: no valid region in the built-in crisis resources")
        default_region = str(document.get("default_region") or next(iter(regions))).upper()

        for overlay in overlay_files(knowledge_dir):
            patch_doc, problems = read_crisis_yaml(overlay)
            warnings.extend(problems)
            if not patch_doc or "regions" not in patch_doc or patch_doc["regions"] is None:
                continue
            patch_regions = patch_doc["regions"]
            if not isinstance(patch_regions, dict):
                warnings.append(f"{overlay}:{line_of(patch_doc)}: regions must be a mapping of region code: fields; ignored")
                continue
            for code, patch in patch_regions.items():
                code = str(code).upper()
                where = f"{overlay}:{line_of(patch, line_of(patch_regions))}"
                if patch is None:
                    warnings.append(f"{where}: a region cannot be removed by an overlay; {code} kept")
                    continue
                base = raw_regions.get(code, {})
                merged = _merge_fields(base, patch)
                try:
                    region = _build_region(code, merged)
                except _Invalid as exc:
                    kept = "the built-in entry is kept" if code in regions else "the region was not added"
                    warnings.append(f"{where}: {exc}; {kept}")
                    continue
                raw_regions[code] = merged
                regions[code] = region
        return cls(regions, default_region, warnings)

    # ------------------------------------------------------------------------------------- regions
    @property
    def regions(self) -> list[str]:
        return list(self._regions)

    def region(self, code: str) -> Region:
        return self._regions[self.resolve_region(code, self.default_region)]

    def resolve_region(self, requested: str | None, default: str) -> str:
        """Case-insensitive code or alias ("gb" -> "UK"); anything unknown -> default (or the first)."""
        for candidate in (requested, default, self.default_region):
            if isinstance(candidate, str):
                key = " ".join(candidate.replace("_", " ").replace("-", " ").split()).upper()
                if key in self._aliases:
                    return self._aliases[key]
        return self.default_region

    def knows(self, requested: str | None) -> bool:
        """True if ``requested`` names a region (a code or an alias, any case)."""
        return self._known(requested)

    def _known(self, requested: str | None) -> bool:
        if not isinstance(requested, str):
            return False
        key = " ".join(requested.replace("_", " ").replace("-", " ").split()).upper()
        return key in self._aliases

    # ---------------------------------------------------------------------------------- selection
    @staticmethod
    def _visible(region: Region, kind: str) -> list[Resource]:
        return [line for line in region.lines if line.kind == kind and line.shown_to_visitors]

    def _primary_lines(self, region: Region) -> list[Resource]:
        """The first 24/7 crisis line that can be called, plus a text option if it has none."""
        crisis = self._visible(region, "crisis_line")
        general = [line for line in crisis if not line.audience] or crisis
        callable_ = [line for line in general if line.tel]
        first = next((line for line in callable_ if line.sms), None) or (callable_[0] if callable_ else general[0])
        chosen = [first]
        if not first.sms:
            texter = next((line for line in crisis if line.sms and line is not first), None)
            if texter:
                chosen.append(texter)
        return chosen

    def _choose_lines(self, region: Region, category: str | None, third_party: bool) -> list[Resource]:
        violence = self._visible(region, "violence_line")[:1] if category == "violence_abuse" else []
        if violence:  # the violence line, a crisis line to call and text, the children's line if there is room
            special = violence + self._primary_lines(region)
            return special + self._visible(region, "child_line")[: max(0, 3 - len(special))]
        chosen = self._primary_lines(region)
        if len(chosen) < 2:
            second = None
            if category in ("overdose_poisoning", "dangerous_withdrawal", "medical_emergency"):
                drug = [line for line in self._visible(region, "drug_alcohol") if line.scope == "national" and line.tel]
                second = next((line for line in drug if line.hours == "24/7"), None) or (drug[0] if drug else None)
            if second is None:
                # a different way in: another line to call if the first can also be texted, else any
                others = [line for line in self._visible(region, "crisis_line") if line not in chosen]
                second = next((line for line in others if line.tel and not line.audience), None) or \
                    next((line for line in others if line.tel), None) or (others[0] if others else None)
            if second is not None:
                chosen.append(second)
        if category == "overdose_poisoning" or (third_party and category == "medical_emergency"):
            poison = self._visible(region, "poison")
            if poison:
                chosen.append(poison[0])
        return chosen

    # -------------------------------------------------------------------------------------- reply
    def crisis_reply(self, region: str | None, result: CrisisResult | None = None,
                     language: str | None = None) -> CrisisReply:
        """The visitor-facing crisis block for ``region`` (unknown -> the default region). ``language``:
        the visitor's; where languages.yaml has it, the block opens in it and lists each line's own
        option in it (988: press 2 for Spanish), then the English text follows."""
        from assistant.crisis.languages import wording

        code = self.resolve_region(region, self.default_region)
        data = self._regions[code]
        category = getattr(result, "category", None)
        category = category if category in _HEADLINES else None
        third = bool(getattr(result, "third_party", False))
        check_in = bool(getattr(result, "check_in", False))
        emergency = data.emergency
        emergency_link = f"[{emergency.number}]({emergency.tel_link})"
        template = _CHECK_IN if check_in else (
            (_HEADLINES_THIRD.get(category) if third else None) or _HEADLINES[category])
        local = wording(language)
        local_template = (local.check_in if check_in else local.headline) if local else None
        headline = (local_template or template).format(emergency=emergency.number)
        lines = self._choose_lines(data, category, third)
        poison = next((line for line in lines if line.kind == "poison"), None)

        parts = [f"**{template.format(emergency=emergency_link)}**"]
        if region is not None and not self._known(region):
            parts[0] += " If you are in another country, call your local emergency number."
        if local is not None:
            own = [option for option in (r.option_in(language) for r in (emergency, *lines)) if option]
            parts.insert(0, f"**{local_template.format(emergency=emergency_link)}**"
                         + "".join(f"\n\n{option}" for option in own))
        items = [f"- **{emergency.name}**: [call {emergency.number}]({emergency.tel_link})"]
        items += [line.markdown_item() for line in lines]
        parts.append(_TALK + "\n\n" + "\n".join(items))
        if poison is not None:
            someone = (f"**If someone else is in danger:** call {emergency_link}, stay with them, and if they "
                       f"took something call {poison.name} on [{poison.number}]({poison.tel_link}).")
        else:
            someone = f"**If someone else is in danger:** call {emergency_link} and stay with them."
        parts.append(someone)
        if category == "overdose_poisoning" and data.overdose_note:
            parts.append(data.overdose_note)
        parts += ([_HOPE, _AUTOMATED] if check_in else [_GROUNDING, _HOPE, _AUTOMATED])
        markdown = "\n\n".join(parts)
        return CrisisReply(code, headline, (emergency, *lines), markdown, category, third,
                           local.code if local else "en", check_in)

    def help_bar(self, region: str | None) -> tuple[Resource, list[Resource]]:
        """The region's emergency number and primary crisis lines: what a page shows at all times."""
        data = self._regions[self.resolve_region(region, self.default_region)]
        return data.emergency, self._primary_lines(data)

    def helpline_line(self, region: str | None) -> str:
        """One low-key markdown line for the 'no good match' reply."""
        return self.helpline_dict(region)["markdown"]

    def treatment_line(self, region: str | None) -> Resource | None:
        """The region's treatment-referral line visitors may see (helpline.py), if it has one."""
        data = self._regions[self.resolve_region(region, self.default_region)]
        return treatment_line(self._visible(data, "drug_alcohol"))

    def helpline_dict(self, region: str | None, question: str = "", language: str | None = None) -> dict:
        """The lines under a fallback (helpline.py): a crisis line for anyone struggling; for a question
        about treatment, rehab, detox or alcohol and drugs, the treatment-referral line first; and the
        line's own option in the visitor's language where it has one (988 in Spanish: press 2, text AYUDA)."""
        code = self.resolve_region(region, self.default_region)
        data = self._regions[code]
        treatment = treatment_line(self._visible(data, "drug_alcohol")) if asks_about_treatment(question) else None
        return fallback_helpline(code, self._primary_lines(data), treatment, language)


__all__ = ["CrisisReply", "CrisisResources", "Region", "Resource", "KINDS"]
