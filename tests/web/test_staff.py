"""The staff page (assistant/web/staff.py), served for real: off without a password, behind HTTP Basic
authentication with one, and each pane on the session's seed index."""
import dataclasses
import re
import shutil

import httpx
import pytest

from assistant.web import app as widget
from assistant.web.staff import LOGIN_FAILURES_PER_MINUTE
from tests.web.test_app import serving

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")

PASSWORD = "correct horse battery staple"
STAFF = ("staff", PASSWORD)
OUT_OF_SCOPE = "can I bring my dog along to the evening group"


def build(assistant, monkeypatch, password: str | None = PASSWORD):
    if password:
        monkeypatch.setenv("ASSISTANT_STAFF_PASSWORD", password)
    return widget.build_app(assistant, "US", rate_limit=0)


class OwnFiles:
    """The seed assistant (its model, index and crisis lines), with its own knowledge folder and state:
    tests write files and log questions without touching the session's shared assistant."""

    def __init__(self, assistant, knowledge_dir, state=None):
        self._assistant = assistant
        self.knowledge_dir = knowledge_dir
        self.state = state or assistant.state

    def __getattr__(self, name):
        return getattr(self._assistant, name)

    settings = property(lambda self: self.state.settings)
    question_log = property(lambda self: self.state.question_log)

    def ask(self, text, region=None, *, answer=True, log=True):
        from assistant.engine import Assistant

        engine = Assistant(self.knowledge_dir, self._assistant.index_dir, self.state)
        engine.embedder = self._assistant.embedder
        return engine.ask(text, region, answer=answer, log=log)


@pytest.fixture
def own_knowledge(seed_index, tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(seed_index[0], knowledge)
    return knowledge


def test_staff_page_is_off_without_a_password(seed_assistant, monkeypatch):
    with serving(build(seed_assistant, monkeypatch, password=None)) as url:
        for path in ("/staff", "/staff/", "/staff/review", "/staff/unanswered", "/staff/crisis"):
            assert httpx.get(url + path, auth=STAFF).status_code == 404, path
        assert httpx.post(url + "/staff/change", auth=STAFF, data={"action": "not_covered"}).status_code == 404


def test_staff_page_refuses_a_wrong_password_and_slows_guessing(seed_assistant, monkeypatch):
    with serving(build(seed_assistant, monkeypatch)) as url:
        plain = httpx.get(url + "/staff")
        assert plain.status_code == 401
        assert plain.headers["www-authenticate"].startswith("Basic ")
        assert PASSWORD not in plain.text
        assert httpx.get(url + "/staff/review", auth=("staff", "wrong")).status_code == 401
        for _ in range(LOGIN_FAILURES_PER_MINUTE):
            httpx.get(url + "/staff", auth=("staff", "guess"))
        # Over the limit, even the right password waits: guessing cannot go on at speed.
        blocked = httpx.get(url + "/staff", auth=STAFF)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_the_visitor_page_does_not_mention_the_staff_page(seed_assistant, monkeypatch):
    with serving(build(seed_assistant, monkeypatch)) as url:
        assert httpx.get(url + "/staff", auth=STAFF, follow_redirects=True).status_code == 200
        page = httpx.get(url + "/").text + httpx.get(url + "/config").text
        assert "/staff" not in page and "staff page" not in page.lower()


def test_test_pane_shows_the_reply_the_runner_up_and_why(seed_assistant, monkeypatch):
    with serving(build(seed_assistant, monkeypatch)) as url:
        page = httpx.get(url + "/staff/", auth=STAFF,
                         params={"q": "How long does group therapy usually last in aftercare?", "region": "UK"})
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        html = page.text
        entry = next(e for e in seed_assistant.entries if e.id == "faq-duration")
        assert entry.answer[:60] in html  # the reply as visitors get it
        assert "Answered: the best score" in html and "min_score" in html
        rows = re.findall(r"<tr( class=\"shown\")?>\s*<td>(\d+)( <strong>runner-up</strong>)?</td>\s*<td><code>([^<]+)",
                          html)
        assert rows[0][0] and rows[0][3] == "faq-duration"  # shown, first
        assert rows[1][2] and rows[1][3] != "faq-duration"  # the runner-up, named

        fallback = httpx.get(url + "/staff/", auth=STAFF, params={"q": OUT_OF_SCOPE}).text
        assert "Fell back" in fallback and "below min_score" in fallback

        crisis = httpx.get(url + "/staff/", auth=STAFF, params={"q": "I want to kill myself", "region": "UK"}).text
        assert 'id="staff-crisis-block"' in crisis and "Crisis reply: the crisis screen fired (the " in crisis
        assert 'href="tel:999"' in crisis  # the UK lines, as links


def test_a_staff_question_is_never_logged(seed_assistant, seed_index, monkeypatch, tmp_path):
    from assistant.staff.question_log import QuestionLog

    settings = seed_assistant.settings.model_copy(update={"log_questions": True, "log_path": tmp_path / "q.sqlite3"})
    question_log = QuestionLog(settings.log_path)
    state = dataclasses.replace(seed_assistant.state, settings=settings, question_log=question_log)
    assistant = OwnFiles(seed_assistant, seed_index[0], state)
    with serving(build(assistant, monkeypatch)) as url:
        assert httpx.post(url + "/api/ask", json={"question": OUT_OF_SCOPE}).json()["kind"] == "fallback"
        assert [row.question for row in question_log.unanswered()] == [OUT_OF_SCOPE]  # visitors' are logged
        staff_question = "can I bring my cat along to the evening group"
        assert "Fell back" in httpx.get(url + "/staff/", auth=STAFF, params={"q": staff_question}).text
        assert [row.question for row in question_log.unanswered()] == [OUT_OF_SCOPE]

        report = httpx.get(url + "/staff/unanswered", auth=STAFF).text
        assert OUT_OF_SCOPE in report and "Add to not covered" in report
        closest = question_log.unanswered()[0].closest.split("/")[0]
        assert re.search(rf'<option value="{re.escape(closest)}" selected>', report)


def test_unanswered_pane_says_how_to_switch_logging_on(seed_assistant, monkeypatch, tmp_path):
    settings = seed_assistant.settings.model_copy(update={"log_path": tmp_path / "none.sqlite3"})
    assistant = OwnFiles(seed_assistant, seed_assistant.knowledge_dir,
                         dataclasses.replace(seed_assistant.state, settings=settings, question_log=None))
    with serving(build(assistant, monkeypatch)) as url:
        page = httpx.get(url + "/staff/unanswered", auth=STAFF).text
        assert "Logging is off" in page and "log_questions: true" in page


def test_add_to_not_covered_writes_a_valid_change_that_keeps_comments(seed_assistant, own_knowledge, monkeypatch):
    from assistant.knowledge import load_knowledge

    target = own_knowledge / "not_covered.yaml"
    before = target.read_text(encoding="utf-8")
    with serving(build(OwnFiles(seed_assistant, own_knowledge), monkeypatch)) as url:
        preview = httpx.get(url + "/staff/change", auth=STAFF, params={"action": "not_covered", "question": OUT_OF_SCOPE})
        assert preview.status_code == 200
        assert f"  - {OUT_OF_SCOPE}" in preview.text and "not_covered.yaml" in preview.text
        assert target.read_text(encoding="utf-8") == before  # showing a change writes nothing
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', preview.text))
        assert form["action"] == "not_covered" and form["token"]

        forged = httpx.post(url + "/staff/change", auth=STAFF, data={**form, "token": "x"})
        assert forged.status_code == 403 and target.read_text(encoding="utf-8") == before

        written = httpx.post(url + "/staff/change", auth=STAFF, data=form)
        assert written.status_code == 200 and "make index" in written.text
        after = target.read_text(encoding="utf-8")
        # one line added, at the end of the English `not_covered:` list (the other languages' lists follow it)
        added = [line for line in after.splitlines() if line not in before.splitlines()]
        assert added == [f"  - {OUT_OF_SCOPE}"] and len(after.splitlines()) == len(before.splitlines()) + 1
        assert after.index(added[0]) < after.index("\nnot_covered_es:")
        assert "# NOT COVERED - questions visitors ask" in after  # comments kept
        assert OUT_OF_SCOPE in load_knowledge(own_knowledge).not_covered

        again = httpx.post(url + "/staff/change", auth=STAFF, data=form)  # the file changed since it was shown
        assert again.status_code == 409 and target.read_text(encoding="utf-8") == after


def test_add_as_alternate_is_refused_when_the_knowledge_would_break(seed_assistant, own_knowledge, monkeypatch):
    from assistant.knowledge import load_knowledge

    listed = load_knowledge(own_knowledge).not_covered[0]
    with serving(build(OwnFiles(seed_assistant, own_knowledge), monkeypatch)) as url:
        refused = httpx.get(url + "/staff/change", auth=STAFF,
                            params={"action": "alternate", "question": listed, "entry_id": "faq-duration"}).text
        assert 'id="refused"' in refused and "is listed as not covered" in refused and 'id="write"' not in refused
        assert str(own_knowledge) in refused and "knowledge-check-" not in refused  # the staff's own file names

        ok = httpx.get(url + "/staff/change", auth=STAFF,
                       params={"action": "alternate", "question": "how many weeks is it", "entry_id": "faq-duration"})
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', ok.text))
        assert httpx.post(url + "/staff/change", auth=STAFF, data=form).status_code == 200
    assert "how many weeks is it" in load_knowledge(own_knowledge).by_id()["faq-duration"].alternates


def test_review_and_crisis_panes(seed_assistant, own_knowledge, monkeypatch):
    faq = own_knowledge / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("review_by: 2027-05-26", "review_by: 2020-01-01", 1),
                   encoding="utf-8")
    with serving(build(OwnFiles(seed_assistant, own_knowledge), monkeypatch)) as url:
        review = httpx.get(url + "/staff/review", auth=STAFF).text
        assert "Overdue: review_by has passed: 1" in review and "faq-what-is-group-therapy" in review
        assert "Crisis lines by <code>verified</code> date" in review and "988 Suicide &amp; Crisis Lifeline" in review

        crisis = httpx.get(url + "/staff/crisis", auth=STAFF).text
        for code in seed_assistant.resources.regions:
            assert f'id="region-{code}"' in crisis
        assert 'href="tel:116123"' in crisis  # UK Samaritans, tap to call
        assert "verified" in crisis and "2026-11-26" in crisis


def test_the_staff_page_works_on_two_worker_processes(seed_index, tmp_path):
    """Production serving: a change shown by one worker is written by whichever worker gets the form."""
    from assistant.knowledge import load_knowledge
    from tests.web.test_serve import Served

    knowledge = tmp_path / "knowledge"
    shutil.copytree(seed_index[0], knowledge)
    served = Served(knowledge, seed_index[1], workers=2, ASSISTANT_STAFF_PASSWORD=PASSWORD)
    try:
        served.wait_healthy()
        questions = [f"is there parking near building {letter}" for letter in "ABCDEF"]
        for question in questions:  # a new connection per request: either worker may answer
            preview = httpx.get(served.url + "/staff/change", auth=STAFF, timeout=30,
                                params={"action": "not_covered", "question": question})
            form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', preview.text))
            assert httpx.post(served.url + "/staff/change", auth=STAFF, data=form, timeout=30).status_code == 200
        assert set(questions) <= set(load_knowledge(knowledge).not_covered)
        assert httpx.get(served.url + "/staff", timeout=30).status_code == 401
    finally:
        served.stop()


def test_links_are_relative_so_a_prefix_stripping_proxy_keeps_them(seed_assistant, monkeypatch):
    monkeypatch.setenv("ASSISTANT_STAFF_PASSWORD", PASSWORD)
    with serving(widget.build_app(seed_assistant, "US", rate_limit=0, path="/faq")) as url:
        moved = httpx.get(url + "/faq/staff", auth=STAFF, params={"q": "hello"})
        assert moved.status_code == 307 and moved.headers["location"] == "staff/?q=hello"
        page = httpx.get(url + "/faq/staff/review", auth=STAFF).text
        assert 'href="unanswered"' in page and 'href="./"' in page and 'href="/' not in page
        assert httpx.get(url + "/faq/staff/crisis", auth=STAFF).status_code == 200
