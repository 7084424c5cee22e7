"""benchmarks/fold_batch.py: a blind batch joins the tune split once its first contact is recorded."""
import shutil
import sys

import yaml

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import fold_batch  # noqa: E402


def test_a_batch_is_folded_into_tune_without_what_is_already_known(tmp_path):
    labelled = tmp_path / "crisis_messages.yaml"
    shutil.copy(fold_batch.LABELLED, labelled)
    before = yaml.safe_load(labelled.read_text(encoding="utf-8"))
    known = before["benign"][0]["text"]
    batch = tmp_path / "2026-12-31z-crisis.yaml"
    batch.write_text(yaml.safe_dump({
        "crisis": [{"text": "parked by the quarry, engine running, hose in the window", "language": "en",
                    "category": "suicide_self_harm", "kind": "plan_means"}],
        "benign": [{"text": "is the thursday group on over the holidays?", "language": "en", "kind": "program_question"},
                   {"text": "  " + known.upper() + " ", "language": "en", "kind": "program_question"},
                   # an exemplar as visitors type it: no apostrophe, lower case (the screen reads both the same)
                   {"text": "i hope i dont wake up tomorrow", "language": "en", "kind": "feelings"}]},
        allow_unicode=True), encoding="utf-8")
    assert fold_batch.fold(batch, labelled) == (2, 2)
    after = yaml.safe_load(labelled.read_text(encoding="utf-8"))
    assert after["crisis"][-1] == {"text": "parked by the quarry, engine running, hose in the window",
                                   "category": "suicide_self_harm", "split": "tune", "mode": "plan_means",
                                   "language": "en"}
    assert after["benign"][-1]["text"] == "is the thursday group on over the holidays?"
    assert len(after["crisis"]) == len(before["crisis"]) + 1 and len(after["benign"]) == len(before["benign"]) + 1
    assert "2026-12-31z-crisis.yaml" in labelled.read_text(encoding="utf-8")
