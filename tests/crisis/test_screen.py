"""The crisis screen: floors on our labelled sets, the lexicon without the model, fail-safe behaviour."""
from __future__ import annotations

import hashlib
import json
import time

import numpy as np
import pytest

from assistant.crisis import CrisisResult, CrisisScreen


class FakeEncoder:
    """Deterministic stand-in where the model is irrelevant; counts calls."""

    def __init__(self, fail: bool = False):
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.fail:
            raise RuntimeError("model exploded")
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:4], "little")
            vector = np.random.default_rng(seed).normal(size=384).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows)


# --------------------------------------------------------------------------------- the labelled sets


def test_recall_is_100_percent_on_tune_and_holdout(report):
    for split in ("all", "tune", "holdout"):
        assert report.splits[split]["recall"] == 1.0, (split, [m["text"] for m in report.misses])
    assert report.misses == []


def test_false_alarms_at_most_3_percent(report):
    assert report.splits["all"]["false_alarm_rate"] <= 0.03, report.false_alarms
    assert report.splits["tune"]["false_alarm_rate"] <= 0.03, report.false_alarms
    # the holdout has 66 benign messages: one false alarm is 1.5 points, so its ceiling is looser
    assert report.splits["holdout"]["false_alarm_rate"] <= 0.05, report.false_alarms


def test_every_category_is_recognised_as_itself(report):
    for category, row in report.categories.items():
        assert row["recall"] == 1.0, category
        # The classifier names the kind. The blind batches folded into tune carry their writers' labels,
        # which overlap: a drunk driver with children labelled a medical emergency, a deep cut bleeding
        # for an hour, a teenager very drunk; every such reply puts the emergency number first. On the
        # set of 2026-12-02 the weights before batches 7-9 were folded in agreed on 60.7% of medical
        # emergencies and 82.7% of dangerous withdrawals, the retrained ones on 59.3% and 84.9%.
        floor = {"medical_emergency": 0.55, "dangerous_withdrawal": 0.8}.get(category, 0.85)
        assert row["category_agreement"] >= floor, category


def test_third_person_reports_are_flagged(report):
    assert report.third_party["flagged"] == report.third_party["cases"] > 0


def test_lexicon_alone_catches_direct_slang_means_and_third_person(lexicon_screen, messages):
    assert not lexicon_screen.semantic_enabled
    modes = {"direct", "slang", "means", "third_person", "misspelling", "leetspeak", "spacing",
             "obfuscated", "hyperbole_risky", "negation_ambiguous", "mixed_faq"}
    missed = [m.text for m in messages if m.is_crisis and m.mode in modes
              and not lexicon_screen.screen(m.text).detected]
    assert missed == []


def test_lexicon_alone_stays_under_3_percent_false_alarms(lexicon_screen, messages):
    # Without the classifier (it failed to load) every term counts, topic words and past sentences too:
    # the safe side, at the cost of more alarms on the blind batches' hard benign messages.
    benign = [m for m in messages if not m.is_crisis]
    firm = [m.text for m in benign if lexicon_screen.lexicon(m.text).layer in ("lexicon", "uncertain")]
    assert len(firm) <= 0.03 * len(benign), firm


# ----------------------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("text", [
    "i'm killing time until i kill myself",
    "how do I kill a python process? also i took all my pills",
    "this workout is killing me and i want to die",
    "I overdosed on coffee and then took a whole bottle of sleeping pills",
])
def test_a_guard_removes_only_its_own_span(lexicon_screen, text):
    assert lexicon_screen.screen(text).detected


@pytest.mark.parametrize("text", [
    "killing time before my meeting", "how do I kill a python process", "I want to kill my cravings",
    "dying to know when the picnic is", "I overdosed on netflix", "I've been clean two years",
    "is there an NA meeting tonight", "what are the 12 steps",
])
def test_idioms_and_recovery_talk_do_not_trigger(lexicon_screen, text):
    result = lexicon_screen.screen(text)
    assert not result.detected, result


@pytest.mark.parametrize("text", [
    "¿a qué hora es el grupo del martes? da igual, hoy me mato",
    "me acabo de tomar 30 pastillas de clonazepam",
    "ya no quiero seguir viviendo",
    "me voy a quitar la vida jaja bueno cuanto cuesta",
    "quiero suicidarme",
])
def test_plain_spanish_statements_decide_alone(lexicon_screen, text):
    # the classifier scored such messages under its bar when a question or a joke came with them (batch 18)
    result = lexicon_screen.lexicon(text)
    assert result.detected and result.layer in ("lexicon", "uncertain"), result


@pytest.mark.parametrize("text", [
    "me mato estudiando para el examen jaja", "me muero de risa con el grupo", "no quiero vivir con mi ex",
    "quiero matar el tiempo antes de la reunión", "me tomé mis pastillas de la mañana",
])
def test_spanish_hyperbole_and_daily_life_do_not_trigger(lexicon_screen, text):
    assert not lexicon_screen.lexicon(text).detected


@pytest.mark.parametrize("text", [
    "hace 10 años intenté suicidarme, hoy llevo 8 años sobrio",
    "de adolescente quise quitarme la vida y el grupo me ayudó",  # a stage of life, not a date (batch 19)
    "en la prepa pensé en suicidarme, ahora ayudo en el grupo de jóvenes",
])
def test_spanish_told_of_the_past_defers_to_the_classifier(lexicon_screen, text):
    assert lexicon_screen.lexicon(text).layer == "deferred"


@pytest.mark.parametrize("text", [
    "when i first got sober i had a seizure in detox, now 6 yrs",   # recovery told from safety (batch 23)
    "almost had a heart attack when i saw my phone bill",           # hyperbole about the past
    "our therapist had us write a goodbye letter to drugs",         # a recovery exercise
    "are seizures common during detox? asking for my pharmacology course",
    "my ex was abusive and i was scared for my life but hes long gone",
    "can people get seizures during benzo detox? my mom wants to taper",  # a question (batch 24)
    "the hold music on your phone line makes me want to jump off a bridge lol",  # an everyday annoyance
    "i wont be around tomorrow, we are going on a road trip",       # away on a trip
])
def test_recovery_and_school_work_defer_to_the_classifier(lexicon_screen, text):
    assert lexicon_screen.lexicon(text).layer == "deferred"


def test_a_spanish_stage_of_life_cue_leaves_the_present_alone(lexicon_screen):
    # "de una vez" (once and for all) is no stage of life
    assert lexicon_screen.lexicon("quiero suicidarme de una vez").layer != "deferred"


def test_negation_still_shows_the_lines_marked_uncertain(lexicon_screen):
    result = lexicon_screen.screen("I'd never kill myself, I just need help with cravings")
    assert result.detected and result.layer == "uncertain" and result.negated


def test_a_faq_question_with_danger_is_a_crisis(lexicon_screen):
    result = lexicon_screen.screen("what time is the NA meeting? i want to die")
    assert result.detected and result.category == "suicide_self_harm"


def test_third_party_and_category(lexicon_screen):
    friend = lexicon_screen.screen("my friend took too many pills")
    assert friend.detected and friend.third_party and friend.category == "overdose_poisoning"
    me = lexicon_screen.screen("i took too many pills")
    assert me.detected and not me.third_party
    dad = lexicon_screen.screen("my dad says he wants to end it all")
    assert dad.third_party and dad.category == "suicide_self_harm"


def test_the_most_urgent_category_leads(lexicon_screen):
    result = lexicon_screen.screen("i want to die so i took all my pills")
    assert result.category == "overdose_poisoning"
    assert set(result.categories) == {"overdose_poisoning", "suicide_self_harm"}


def test_to_dict_is_json_safe_and_never_contains_the_visitors_words(lexicon_screen):
    text = "my boyfriend is not breathing zebra-quartz"
    data = lexicon_screen.screen(text).to_dict()
    dumped = json.dumps(data)
    assert "zebra" not in dumped and "boyfriend" not in dumped
    assert {"detected", "category", "third_party", "layer", "matched"} <= set(data)
    assert data["layer"] in ("lexicon", "semantic", "uncertain")


NASTY = [
    "", " ", "\x00\x01\x02\x1b[31m", "\ud800kill myself\udfff", "\ud83d", "\u202eflesym llik",
    "💊" * 5000, "😀" * 20000, "a" * 100_000, "k i l l " * 10_000, "1" * 100_000, "$@!|" * 20_000,
    "kill myself " * 8_000, "\n" * 50_000, "é̷̛̖͈̈́" * 5_000, "<script>alert(1)</script>", "\ufeff\u200b" * 1000,
    "the " * 25_000 + "i want to die",
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_screen_never_raises(screen, lexicon_screen, text):
    begin = time.perf_counter()
    for candidate in (lexicon_screen, screen):
        result = candidate.screen(text)
        assert isinstance(result, CrisisResult)
        json.dumps(result.to_dict())
    assert time.perf_counter() - begin < 5


def test_danger_at_the_end_of_a_long_message_is_found(lexicon_screen):
    assert lexicon_screen.screen("the " * 25_000 + "i want to die").detected


def test_screen_never_raises_on_odd_types(lexicon_screen):
    assert not lexicon_screen.screen(None).detected          # type: ignore[arg-type]
    assert lexicon_screen.screen(b"kill myself").detected is not None  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- semantic layer


def test_semantic_layer_catches_indirect_phrasing(exemplar_screen, lexicon_screen):
    text = "i can't see a way out of this"
    assert not lexicon_screen.screen(text).detected
    result = exemplar_screen.screen(text)
    assert result.detected and result.layer == "semantic" and result.matched.startswith("ex.")


def test_query_vector_saves_the_encode_for_a_one_sentence_message():
    encoder = FakeEncoder()
    screen = CrisisScreen.load(None)
    screen.attach_encoder(encoder)
    encoder.calls.clear()
    text = "what time does the office open"
    screen.screen(text, query_vector=encoder([text])[0])
    assert len(encoder.calls) == 1           # only the call made above to build the vector
    screen.screen(text)
    assert len(encoder.calls) == 2           # without the vector: one encode
    encoder.calls.clear()
    screen.screen("wh4t t1me does the office open", query_vector=np.ones(384, dtype=np.float32))
    assert len(encoder.calls) == 1           # normalising changed the words: the vector is not reused


def test_texts_encoded_by_the_caller_are_not_encoded_again():
    encoder = FakeEncoder()
    screen = CrisisScreen.load(None)
    screen.attach_encoder(encoder)
    text = "my counsellor wants me to try group therapy, but i am not sure what happens there"
    plain = screen.screen(text)
    needed = screen.texts_to_encode(text)
    assert len(needed) >= 2                    # the whole message and its clauses
    encoder.calls.clear()
    batched = screen.screen(text, encoded=dict(zip(needed, encoder(needed))))
    assert len(encoder.calls) == 1             # only the caller's own batch above
    assert batched == plain
    encoder.calls.clear()
    partial = screen.screen(text, encoded={needed[0]: encoder([needed[0]])[0]})
    assert encoder.calls[-1] == needed[1:]     # whatever the caller did not have is encoded here
    assert partial == plain


def test_nothing_to_encode_when_the_lexicon_has_decided():
    screen = CrisisScreen.load(None)
    screen.attach_encoder(FakeEncoder())
    assert screen.texts_to_encode("i want to kill myself") == []
    assert CrisisScreen.load(None).texts_to_encode("what time does the office open") == []  # no encoder
    one_sentence = "what time does the office open"
    assert screen.texts_to_encode(one_sentence, have_query_vector=True) == []
    assert screen.texts_to_encode(one_sentence) == [one_sentence]


def test_a_broken_model_leaves_the_lexicon_working():
    screen = CrisisScreen.load(None)
    assert screen.attach_encoder(FakeEncoder(fail=True)) is False
    assert any("semantic layer disabled" in w for w in screen.warnings)
    assert screen.screen("my brother won't wake up").detected

    later = FakeEncoder()
    screen = CrisisScreen.load(None)
    screen.attach_encoder(later)
    later.fail = True
    result = screen.screen("where do i park for the meeting")
    assert result.semantic == "error" and not result.detected
    assert screen.screen("i want to kill myself").detected


def test_wrong_shaped_vectors_are_rejected_not_fatal():
    screen = CrisisScreen.load(None)
    assert screen.attach_encoder(lambda texts: np.zeros((1, 3))) is False
    assert screen.screen("kms").detected


# ------------------------------------------------------------------------------------------- overlays




# ------------------------------------------------------------------ the classifier layer (a fake classifier)

class FakeClassifier:
    """Scores from a table (default: clearly benign); the thresholds of a trained one. Its "vectors"
    are the texts themselves; ``paired`` records whether the answering model's vector came with them."""

    def __init__(self, risks: dict[str, float] | None = None, fail: bool = False):
        from assistant.crisis.classifier import Thresholds

        self.thresholds = Thresholds(crisis=0.6, check_in=0.5, never_log=0.3, lexicon=0.4)
        self.never_log = self.thresholds.never_log
        self.risks = risks or {}
        self.fail = fail
        self.paired: list[bool] = []
        self.encoder = self

    def encode(self, texts):
        if self.fail:
            raise RuntimeError("classifier broke")
        return list(texts)

    def scores_of(self, texts, answering_vectors=None):
        from assistant.crisis.classifier import Scores

        self.paired.append(answering_vectors is not None)
        return [Scores(self.risks.get(t, 0.05), "suicide_self_harm", self.thresholds) for t in texts]


def classified(risks=None, fail=False) -> CrisisScreen:
    screen = CrisisScreen.load(None)
    screen.attach_classifier(FakeClassifier(risks, fail))
    return screen


def test_the_classifier_detects_what_no_term_names():
    text = "finally figured out the combo to dads safe, this is the last night"
    result = classified({text: 0.9}).screen(text)
    assert result.detected and result.layer == "classifier" and result.risk == 0.9 and not result.check_in


def test_a_short_ambiguous_message_gets_the_check_in_and_a_long_one_does_not():
    short, long_ = "cant anymore", "i dont know what to do about my schedule and my ride and everything else"
    screen = classified({short: 0.55, long_: 0.55})
    assert screen.screen(short).check_in and screen.screen(short).layer == "check_in"
    assert not screen.screen(long_).detected


def test_a_firm_term_decides_whatever_the_classifier_says():
    result = classified().screen("Can I still join the group if I tried to take my own life last week")
    assert result.detected and result.layer == "lexicon" and result.risk == 0.05


def test_a_topic_word_needs_the_classifiers_low_bar():
    grief = "my brother died of an overdose, is there a family group"
    assert not classified({grief: 0.2}).screen(grief).detected
    assert "deferred:od.overdose" in classified({grief: 0.2}).screen(grief).guards
    assert classified({grief: 0.45}).screen(grief).detected  # above the lexicon bar (0.4), below the crisis cut


def test_a_term_in_a_past_sentence_is_deferred_but_without_a_classifier_it_counts():
    text = "i used to self harm as a teen but ive been free of it 6 years"
    assert CrisisScreen.load(None).lexicon(text).layer == "deferred"
    assert not classified().screen(text).detected
    assert CrisisScreen.load(None).screen(text).detected  # no classifier: the safe side


def test_a_failing_classifier_leaves_the_other_layers_and_never_logs():
    screen = classified(fail=True)
    assert screen.screen("I want to kill myself").detected
    quiet = screen.screen("what time is group on tuesday")
    assert not quiet.detected and quiet.risk is None
    assert screen.never_log(quiet.detected, quiet.risk)


def test_never_log_above_the_low_bar_only():
    screen = classified()
    assert screen.never_log(False, 0.35) and not screen.never_log(False, 0.1)
    assert screen.never_log(True, 0.0)
    assert not CrisisScreen.load(None).never_log(False, None)  # no classifier attached: detection decides


def test_the_classifier_pairs_with_the_answering_model_when_it_answers_and_scores_alone_when_not():
    screen = classified()
    fake = screen.classifier
    screen.classify("what time is group")  # no answering model attached
    assert fake.paired == [False]
    assert screen.attach_encoder(lambda texts: np.ones((len(texts), 384), dtype=np.float32))
    screen.classify("what time is group")
    screen.classify("what time is group", use_answering_model=False)  # overloaded: never waits on it
    screen.classify("what time is group", answering_vector=np.ones(384), use_answering_model=False)

    def broken(texts):  # the exemplars encode; a visitor's message finds the model down
        if "what time is group" in texts:
            raise RuntimeError("model down")
        return np.ones((len(texts), 384), dtype=np.float32)

    screen.attach_encoder(broken)
    result = screen.classify("what time is group")
    assert fake.paired == [False, True, False, True, False] and result.risk == 0.05


@pytest.mark.parametrize("text", [
    "think im going to walk in front of a lorry on the way home",   # a method without "jump"
    "he decidido matarme y ya no hay vuelta atras",                 # a decision, in Spanish
    "pretty sure im going to od on purpose tonight",                # "od" alone is a topic word (batch 22)
    "i'll be gone by tomorrow. tell my sponsor im sorry",
    "voy a ir al grupo y después tomarme todo lo que tengo",
    "não aguento mais, quero acabar com tudo.",
    "gonna take a toaster bath tonight",                            # slang for a method (batch 23)
    "how long would it take to bleed out",                          # a method question
    "voy a darme cuello",                                           # Mexican slang
    "ya les dije adiós a todos. hoy se acaba todo.",
    "im checking out for good, bye guys",
    "ok. i am checking out today.",                                 # a full stop ends it too (batch 23)
    "please make sure somebody finds me before my son does",        # who finds the body (batch 24)
    "leaving the door unlocked so my kids dont have to find me",
    "im just sitting on the ledge of the parking garage",           # an adverb before "sitting"
    "my wife passed in june and i will join her tonight",           # joining the dead (batch 26)
    "since mum died nothing matters. im gonna be with her again soon",
    "relapsed after 3 years clean. i just took everything i had",   # all one has (batch 25)
    "not again. ive swallowed all of them.",
])
def test_a_decided_method_decides_alone(lexicon_screen, text):
    result = lexicon_screen.lexicon(text)
    assert result.detected and result.layer in ("lexicon", "uncertain"), result


@pytest.mark.parametrize("text", [
    "we walked in front of the train station to get to the meeting",
    "i stepped off the bus at the clinic",
    "decidí matar el tiempo leyendo el folleto",
    "i'll be gone by morning flight so cancel my session",
    "quiero acabar con todo el papeleo antes del lunes",
    "hoy se acaba todo el curso",
    "i'm checking out of the hotel tonight",
    "checking out the meeting tonight",
    "me voy a dar cuenta mañana",
    "i'm checking out today. what time is the bus?",
    "can you find me before my group starts? i need the address",
    "so my kids dont have to find me a ride, can the van pick them up",
    "im also sitting on the committee for the fundraiser",
    "my grandad died last year. im going to be with my family tonight",
    "since her funeral i visit her grave and i will be with her in my heart always",
    "i took everything out of the fridge before the move",
    "i have taken everything the doctor prescribed, exactly as told",
])
def test_walking_past_a_station_is_no_method(lexicon_screen, text):
    assert not lexicon_screen.lexicon(text).detected
