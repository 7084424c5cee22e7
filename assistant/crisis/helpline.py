"""The lines under a fallback ("I don't have a vetted answer"): a crisis line for anyone who is
struggling and, for a question about treatment, rehab, detox, alcohol or drugs, the region's
treatment-referral line first (SAMHSA, the Australian alcohol and drug hotline, ...): the suicide line
alone does not answer "how much does rehab cost". The lines come from resources.py."""
from __future__ import annotations

import re

# English and Spanish words of a question about getting treatment or about alcohol and drugs.
TREATMENT_QUESTION = re.compile(
    r"\b(rehabs?|rehabilitation|detox\w*|treatment|recovery (?:program|center|centre)s?|sober living|"
    r"methadone|suboxone|buprenorphine|naltrexone|vivitrol|addict\w*|alcohol\w*|drinking|drugs?|opioids?|"
    r"heroin|meth|cocaine|fentanyl|relapse\w*|inpatient|outpatient|(?:aa|na) meetings?|"
    r"alcoholics anonymous|narcotics anonymous|tratamiento|rehabilitaci[oó]n|desintoxicaci[oó]n|adicci[oó]n|"
    r"drogas?)\b", re.IGNORECASE)


def asks_about_treatment(question: str) -> bool:
    return bool(TREATMENT_QUESTION.search(question or ""))


def treatment_line(drug_alcohol_lines: list):
    """The national treatment-referral line to call among a region's visible alcohol and drug lines
    (24/7 preferred), or None (Canada has none: its overdose response service is not one)."""
    lines = [line for line in drug_alcohol_lines if line.treatment_referral and line.scope == "national" and line.tel]
    return next((line for line in lines if line.hours == "24/7"), None) or (lines[0] if lines else None)


def fallback_helpline(code: str, primary_lines: list, treatment=None, language: str | None = None) -> dict:
    """{region, text, markdown, resources}: the crisis line sentence, after the treatment line's when given,
    then the crisis line's own option in the visitor's language when it has one."""
    crisis = _crisis_helpline(code, primary_lines)
    own = next((option for option in (line.option_in(language) for line in primary_lines) if option), None)
    if own:
        crisis = {**crisis, "text": f"{crisis['text']} {own}", "markdown": f"{crisis['markdown']}\n\n{own}"}
    if treatment is None:
        return crisis
    hours = f" ({treatment.hours})" if treatment.hours else ""
    lead = f"For help finding treatment or support with alcohol or drugs, you can call {treatment.name}{hours}"
    return {**crisis, "text": f"{lead} on {treatment.number}. {crisis['text']}",
            "markdown": f"{lead}: {treatment.call_link()}.\n\n{crisis['markdown']}",
            "resources": [treatment.to_dict(), *(r for r in crisis["resources"] if r["id"] != treatment.id)]}


def _crisis_helpline(code: str, lines: list) -> dict:
    caller = next((line for line in lines if line.tel), lines[0])
    texter = next((line for line in lines if line.sms), None)
    named = "" if caller.name == caller.number else f" ({caller.name})"
    if texter is caller and caller.sms == caller.tel and not caller.sms_body:
        plain = f"If you're struggling right now, you can call or text {caller.number} any time{named}."
    elif texter is not None:
        instruction = texter.text_instructions or f"Text {texter.sms}"
        plain = (f"If you're struggling right now, you can call {caller.name} on {caller.number} "
                 f"or {instruction[0].lower() + instruction[1:]} any time.")
    else:
        plain = f"If you're struggling right now, you can call {caller.name} on {caller.number} any time."
    # The links carry the numbers: the sentence before them does not repeat them.
    if texter is caller or texter is None:
        links = [line for line in (caller.call_link(), texter.text_link() if texter else None) if line]
        lead = f"If you're struggling right now, you can talk to someone any time{named}"
    else:
        links = [f"[call {caller.name} on {caller.number}]({caller.tel_link})", texter.text_link()]
        lead = "If you're struggling right now, you can talk to someone any time"
    markdown = lead + ": " + " · ".join(links) + "."
    return {"region": code, "text": plain, "markdown": markdown,
            "resources": [r.to_dict() for r in dict.fromkeys([caller] + ([texter] if texter else []))]}
