from assistant.crisis.helpline import asks_about_treatment


def test_a_treatment_question_gets_the_treatment_referral_line_first():
    # Issue #19: "how much does rehab cost in ohio" got only the suicide line, though SAMHSA is in the data.
    from assistant.crisis.resources import CrisisResources

    resources = CrisisResources.load(None)
    treatment = resources.helpline_dict("US", "how much does rehab cost in ohio")
    assert treatment["resources"][0]["id"] == "us_samhsa"
    assert treatment["markdown"].startswith("For help finding treatment") and "tel:988" in treatment["markdown"]
    assert "1-800-662-4357" in treatment["text"] and "988" in treatment["text"]
    assert resources.helpline_dict("AU", "where can i find a detox")["resources"][0]["id"] == "au_aod_hotline"
    assert resources.helpline_dict("US", "donde hay tratamiento para drogas")["resources"][0]["id"] == "us_samhsa"
    # a region without a national treatment line that visitors may see keeps the crisis line alone
    assert resources.helpline_dict("CA", "how much does rehab cost") == resources.helpline_dict("CA")
    # any other question: the crisis line only, as before
    assert resources.helpline_dict("US", "what is the best pizza in town") == resources.helpline_dict("US")


def test_what_counts_as_a_treatment_question():
    assert asks_about_treatment("How much does REHAB cost?") and asks_about_treatment("busco tratamiento")
    assert not asks_about_treatment("how long does group therapy last") and not asks_about_treatment("")


def test_a_fallback_in_spanish_gives_the_lines_own_spanish_option():
    # #17/#18: a Spanish visitor's fallback carried the helpline sentence in English only, though 988 has a
    # Spanish option (press 2, text AYUDA) recorded in the reference.
    from assistant.crisis.resources import CrisisResources

    resources = CrisisResources.load(None)
    spanish = resources.helpline_dict("US", "cuanto cuesta el grupo", "es")
    assert spanish["text"].startswith(resources.helpline_dict("US")["text"])
    assert "marca 2" in spanish["text"] and "AYUDA" in spanish["markdown"]
    assert resources.helpline_dict("US", "", "fr") == resources.helpline_dict("US")  # no French option for 988
    assert resources.helpline_dict("UK", "", "es") == resources.helpline_dict("UK")  # none recorded for the UK
