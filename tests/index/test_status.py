import shutil

from assistant.index import build_index
from assistant.index.status import status
from tests.conftest import write
from tests.index.conftest import MINIMAL, TWO


def test_info_names_the_model_the_published_build_and_whether_the_files_are_published(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    found = status(knowledge, index)
    assert found.model["name"].endswith("all-MiniLM-L6-v2") and len(found.model["weights_sha256"]) == 64
    assert any("no index built yet" in p for p in found.problems)
    build_index(knowledge, index, embedder=embedder, progress=False)
    found = status(knowledge, index)
    assert found.problems == [] and found.index["entries"] == 1 and found.index["model"] == found.model["name"]
    assert found.knowledge["published"].startswith("yes") and "Published build" in found.format()
    write(knowledge / "a.yaml", TWO)  # an edit not yet published
    assert status(knowledge, index).knowledge["published"].startswith("no: ")
    shutil.copy(knowledge / "a.yaml", knowledge / "b.yaml")  # the same ids twice: invalid
    broken = status(knowledge, index)
    assert "mistakes" in broken.knowledge["published"] and any("duplicate id" in p for p in broken.problems)


def test_info_follows_the_model_setting_and_says_the_published_build_needs_a_rebuild(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    write(knowledge / "settings.yaml", "model: all-mpnet-base-v2\n")
    found = status(knowledge, index)
    assert found.model["setting"] == "all-mpnet-base-v2" and found.model["dimension"] == 768
    assert found.model["supported"] == ["all-MiniLM-L6-v2", "all-mpnet-base-v2"]
    assert any("made with sentence-transformers/all-MiniLM-L6-v2, the settings choose all-mpnet-base-v2" in p
               for p in found.problems)
    assert found.knowledge["published"].startswith("no: ")
    write(knowledge / "settings.yaml", "model: all-MiniLM-L12-v2\n")
    assert any("not a supported model" in p for p in status(knowledge, index).problems)
