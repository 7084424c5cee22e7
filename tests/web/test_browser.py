"""The widget in a real browser: Debian's chromium driven by Playwright, at phone width (360 px).

Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it in CI). Playwright's own
browser download is not used (no internet). Screenshots go to test-artifacts/ (gitignored).
"""
import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.web.test_app import start_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 360, "height": 740}
REGION_NAMES = {"US": "United States", "CA": "Canada", "UK": "United Kingdom", "IE": "Ireland", "AU": "Australia",
                "NZ": "New Zealand"}
REPLY_TIMEOUT = 30_000  # ms
# axe-core, the accessibility checker, from npm (`make install` puts it here; the version is pinned in the Makefile).
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# `make screenshots` sets this to docs/screenshots: the accessibility test saves each screen it checks there.
SCREENSHOTS = os.environ.get("WIDGET_SCREENSHOTS")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium"),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),  # pandas 3 deprecations inside gradio
]


@pytest.fixture(scope="session")
def server(seed_assistant):
    live = start_server(seed_assistant)  # the same server test_app.py uses
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh user-data dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"],
            viewport=PHONE,
            color_scheme="light",
        )
        yield context
        context.close()


class Widget:
    """One page of the widget, with what the browser saw: requests' hosts and any dialogs."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base = urlparse(base_url)
        self.foreign_requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", self._on_request)
        page.on("dialog", self._on_dialog)

    def _on_request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.hostname not in {"127.0.0.1", "localhost"}:
            self.foreign_requests.append(request.url)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, query: str = "") -> "Widget":
        self.page.goto(self.base.geturl() + "/" + query, wait_until="load")
        self.page.locator("#question textarea").wait_for(timeout=REPLY_TIMEOUT)
        region = re.search(r"region=(\w+)", query)
        if region:  # set by the page's load event, from the URL
            self.wait_for_region(region[1])
        return self

    def choose_region(self, name: str) -> None:
        """Pick a country in the selector, as a visitor would."""
        # Room below the selector first: near the bottom edge Gradio's option list keeps flipping position.
        self.page.evaluate("document.getElementById('region').scrollIntoView({block: 'start'})")
        self.page.locator("#region input").click()
        self.page.get_by_role("option", name=name, exact=True).click()

    def wait_for_region(self, code: str) -> None:
        """Until the page shows `code`'s lines (the selector shows the country's name)."""
        self.page.wait_for_function(
            f"(document.querySelector('#help-bar p:not([hidden])') || {{dataset: {{}}}}).dataset.helpRegion === '{code}'"
            f" && document.querySelector('#region input').value === {REGION_NAMES[code]!r}", timeout=REPLY_TIMEOUT)

    @property
    def bot_messages(self):
        return self.page.locator('#chat [data-testid="bot"]')

    def ask(self, text: str) -> str:
        """Type a question and press Enter, as a visitor would; returns the new reply's text."""
        before = self.bot_messages.count()
        box = self.page.locator("#question textarea")
        box.click()
        box.fill(text)
        box.press("Enter")
        return self.wait_for_reply(before)

    def wait_for_reply(self, before: int) -> str:
        self.page.wait_for_function(
            f"document.querySelectorAll('#chat [data-testid=\"bot\"]').length > {before}", timeout=REPLY_TIMEOUT)
        return self.bot_messages.nth(before).inner_text()

    def crisis_block_in_view(self) -> None:
        """Wait until the page has scrolled the crisis block into view (it does so once it appears)."""
        self.page.wait_for_function(
            "(() => { const r = document.getElementById('crisis-block').getBoundingClientRect();"
            " return r.height > 0 && r.top >= 0 && r.top < innerHeight; })()", timeout=5_000)
        self.page.wait_for_timeout(100)

    def no_horizontal_overflow(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def widget(server, browser_context):  # this order: the browser closes before the server stops
    page = browser_context.new_page()
    yield Widget(page, server.url)
    page.close()


def _vetted(assistant, entry_id: str):
    return next(e for e in assistant.entries if e.id == entry_id)


def test_question_shows_the_vetted_answer_card(widget, server):
    widget.open()
    reply = widget.ask("How long does group therapy usually last in aftercare?")
    entry = _vetted(server.assistant, "faq-duration")
    assert entry.question in reply
    assert entry.answer[:60] in reply
    assert "Source:" in reply and f"reviewed {entry.reviewed}" in reply
    assert not widget.page.locator("#crisis-block").is_visible()
    assert not widget.page.locator("#suggestions").is_visible()
    assert widget.no_horizontal_overflow()
    widget.screenshot("answer-360px")
    assert widget.foreign_requests == []


def test_crisis_block_comes_first_and_stays(widget):
    widget.open("?region=AU")
    assert widget.page.locator("#region input").input_value() == "Australia"
    reply = widget.ask("i don't want to be here anymore, i want to kill myself")
    assert "000" in reply
    block = widget.page.locator("#crisis-block")
    assert block.is_visible()
    assert block.locator('a[href="tel:000"]').count() >= 1
    assert block.locator('a[href^="sms:"]').count() >= 1
    # Brought into view on the phone, above the conversation, and still there after an ordinary question.
    widget.crisis_block_in_view()
    assert block.bounding_box()["y"] < widget.page.locator("#chat").bounding_box()["y"]
    widget.ask("How long does group therapy usually last in aftercare?")
    assert block.is_visible() and block.locator('a[href="tel:000"]').count() >= 1
    assert widget.no_horizontal_overflow()
    widget.screenshot("crisis-360px")
    assert widget.foreign_requests == []


def test_changing_region_updates_the_crisis_block(widget):
    widget.open("?region=AU")
    widget.ask("my friend took too many pills and is not breathing")
    block = widget.page.locator("#crisis-block")
    assert block.locator('a[href="tel:000"]').count() >= 1
    widget.crisis_block_in_view()
    widget.page.wait_for_timeout(200)  # the focus moves to the block's first line
    widget.choose_region("United Kingdom")
    widget.page.wait_for_function(
        "document.querySelector('#crisis-block a[href=\"tel:999\"]') !== null", timeout=REPLY_TIMEOUT)
    # the crisis reply in the chat follows too: one region's numbers on screen at a time
    widget.page.wait_for_function("document.querySelector('#chat a[href=\"tel:999\"]') !== null", timeout=REPLY_TIMEOUT)
    assert widget.page.locator('a[href="tel:000"]:visible').count() == 0


def test_markup_in_a_question_is_inert(widget):
    widget.open()
    payload = "<img src=x onerror=alert(1)>"
    widget.ask(payload)
    widget.ask('<script>alert(2)</script> [click](javascript:alert(3)) <a href="javascript:alert(4)">a</a>')
    widget.page.wait_for_timeout(500)  # give a broken image's onerror time to fire
    assert widget.dialogs == []
    assert widget.page.locator('img[src="x"]').count() == 0
    assert widget.page.locator('#chat script').count() == 0
    assert widget.page.locator('#chat a[href^="javascript:"]').count() == 0
    user_texts = widget.page.locator('#chat [data-testid="user"]').all_inner_texts()
    assert payload in user_texts[0]  # shown literally, as typed
    widget.screenshot("markup-360px")
    assert widget.foreign_requests == []


def test_did_you_mean_buttons_ask_the_vetted_question(widget, server):
    widget.open()
    reply = widget.ask("what is the best pizza topping")
    assert "sorry" in reply.lower()
    buttons = widget.page.locator("#suggestions button:visible")
    buttons.first.wait_for(timeout=REPLY_TIMEOUT)  # the buttons may render a frame after the reply
    assert 1 <= buttons.count() <= 3
    suggested = buttons.first.inner_text().strip()
    assert suggested not in reply  # a button, not listed twice
    widget.screenshot("fallback-360px")
    before = widget.bot_messages.count()
    buttons.first.click()
    answer = widget.wait_for_reply(before)
    assert suggested in answer and "Source:" in answer
    widget.page.locator("#suggestions").wait_for(state="hidden", timeout=REPLY_TIMEOUT)
    assert widget.no_horizontal_overflow()
    # the pressed button is gone: the focus is on the new reply (it fell to <body> before)
    widget.page.wait_for_function("document.activeElement && document.activeElement.closest('#chat .bot-row')",
                                  timeout=REPLY_TIMEOUT)
    assert suggested in widget.page.evaluate("document.activeElement.innerText")


def test_keyboard_alone_can_ask_and_rate(widget):
    widget.open()
    page = widget.page
    for _ in range(20):  # Tab from the top of the page to the question box
        if page.evaluate("document.activeElement && document.activeElement.closest('#question') !== null"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the question box cannot be reached with Tab")
    before = widget.bot_messages.count()
    page.keyboard.type("what is group therapy")
    page.keyboard.press("Enter")
    assert "Source:" in widget.wait_for_reply(before)
    like = page.locator('#chat button[aria-label="Like"]').last
    like.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Thanks for letting us know.").first.wait_for(timeout=10_000)
    widget.screenshot("feedback-360px")


def test_long_conversation_never_overflows_at_360px(widget):
    widget.open("?region=NZ")
    widget.ask("a" * 300)
    widget.ask("https://example.com/" + "x" * 200 + " averyveryverylongwordwithoutanyspaces" * 5)
    widget.ask("kms")
    assert widget.no_horizontal_overflow(), widget.page.evaluate("document.documentElement.scrollWidth")
    assert re.search(r"tel:111", widget.page.locator("#crisis-block").inner_html())
    widget.screenshot("long-360px")
    assert widget.foreign_requests == []


def test_embed_example_page_shows_the_widget_in_an_iframe(widget, server):
    """examples/embed.html, pointed at this server: the widget loads and answers inside the iframe."""
    html = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    assert 'src="http://127.0.0.1:7860/?region=US"' in html
    page = widget.page
    page.goto(server.url + "/healthz")  # any page of the server's origin, then replace its content
    page.set_content(html.replace("http://127.0.0.1:7860", server.url).replace('loading="lazy"', ""))
    frame = page.frame_locator("iframe.faq-widget")
    box = frame.locator("#question textarea")
    box.wait_for(timeout=REPLY_TIMEOUT)
    box.fill("How long does group therapy usually last in aftercare?")
    box.press("Enter")
    frame.locator('#chat [data-testid="bot"]').first.wait_for(timeout=REPLY_TIMEOUT)
    assert "Source:" in frame.locator('#chat [data-testid="bot"]').first.inner_text()
    assert widget.no_horizontal_overflow()
    widget.screenshot("embed-360px")
    assert widget.foreign_requests == []


CONTRAST_JS = """(selector) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const el = document.querySelector(selector);
  if (!el) return null;
  let bg = el, back = [255, 255, 255];
  while (bg) {
    const c = rgb(getComputedStyle(bg).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { back = c.slice(0, 3); break; }
    bg = bg.parentElement;
  }
  const fore = rgb(getComputedStyle(el).color).slice(0, 3);
  const [a, b] = [lum(fore), lum(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_has_readable_contrast(widget, theme):
    """WCAG AA (4.5:1) for the text a visitor must read, in Gradio's light and dark themes."""
    widget.open(f"?region=UK&__theme={theme}")
    widget.ask("i want to end it all")
    widget.crisis_block_in_view()
    widget.ask("what is the best pizza topping")  # the crisis block stays; suggestion buttons appear
    widget.page.locator("#suggestions button:visible").first.wait_for(timeout=REPLY_TIMEOUT)
    selectors = ["#crisis-block h2", "#crisis-block a", "#crisis-block li strong", "#ask",
                 "#widget-footer p", '#chat [data-testid="bot"] p', "#intro p", "#suggestions button",
                 "#quick-exit", "#help-bar p:not([hidden]) a"]
    ratios = {s: widget.page.evaluate(CONTRAST_JS, s) for s in selectors}
    low = {s: (round(r, 2) if r else "missing") for s, r in ratios.items() if r is None or r < 4.5}
    assert not low, low
    widget.screenshot(f"contrast-{theme}-360px")


# -- whatever goes wrong, the page itself carries the region's lines -------------------------------
def test_the_help_bar_shows_the_regions_lines_and_follows_the_selector(widget):
    widget.open("?region=UK")
    bar = widget.page.locator("#help-bar p:not([hidden])")
    assert bar.count() == 1
    assert bar.locator('a[href="tel:999"]').is_visible()
    widget.choose_region("Australia")
    widget.page.wait_for_function("document.querySelector('#help-bar p:not([hidden])').dataset.helpRegion === 'AU'",
                                  timeout=5_000)
    assert widget.page.locator('#help-bar p:not([hidden]) a[href="tel:000"]').is_visible()


def test_the_help_bar_stays_when_the_server_cannot_be_reached(widget):
    widget.open("?region=AU")
    widget.page.route("**/gradio_api/**", lambda route: route.abort())  # the network fails from here on
    box = widget.page.locator("#question textarea")
    box.fill("i want to end my life")
    box.press("Enter")
    widget.page.wait_for_timeout(1_000)
    assert widget.page.locator('#help-bar p:not([hidden]) a[href="tel:000"]').is_visible()


def test_a_crisis_message_over_the_rate_limit_gets_the_crisis_block(seed_assistant, browser_context):
    from assistant.web import app as web_app
    from tests.web.test_app import serving

    with serving(web_app.build_app(seed_assistant, "US", rate_limit=4)) as url:
        page = browser_context.new_page()
        try:
            widget = Widget(page, url).open("?region=UK")
            replies = [widget.ask(f"what is group therapy {n}") for n in range(4)]  # with the page load: over
            assert "many questions in a short time" in replies[-1]
            reply = widget.ask("i took all my pills and want to die")
            assert "999" in reply
            assert widget.page.locator("#crisis-block").is_visible()
            assert widget.page.locator('#crisis-block a[href="tel:999"]').count() == 1
        finally:
            page.close()


def test_the_widget_works_on_two_worker_processes(seed_index, browser_context):
    """Production serving: every event may land on either worker, so nothing may live in one of them."""
    from tests.web.test_serve import Served

    knowledge, index = seed_index
    served = Served(knowledge, index, workers=2)
    page = browser_context.new_page()
    try:
        served.wait_healthy()
        widget = Widget(page, served.url).open("?region=AU")
        assert "Source:" in widget.ask("How long does group therapy usually last in aftercare?")
        assert "000" in widget.ask("my friend took too many pills and is not breathing")
        for n in range(4):  # several turns: each carries the conversation, whichever worker answers
            widget.ask(f"what is aftercare {n}")
        assert widget.bot_messages.count() == 6
        assert widget.page.locator('#crisis-block a[href="tel:000"]').count() >= 1
        widget.choose_region("United Kingdom")
        widget.page.wait_for_function(  # the region change re-renders the block from the page's own state
            "document.querySelector('#crisis-block a[href=\"tel:999\"]') !== null", timeout=REPLY_TIMEOUT)
        assert widget.foreign_requests == []
    finally:
        page.close()
        served.stop()


# -- issue #19: what a visitor on a phone meets -----------------------------------------------------
def test_typing_while_a_reply_is_on_its_way_is_kept(widget):
    widget.open("?region=US")

    def slow(route):  # the reply takes a while, as on a slow phone connection: the risky moment
        widget.page.wait_for_timeout(700)
        route.continue_()

    widget.page.route("**/gradio_api/run/**", slow)
    box = widget.page.locator("#question textarea")
    for attempt in range(3):
        before = widget.bot_messages.count()
        box.click()
        box.fill(f"how long does group therapy last {attempt}")
        box.press("Enter")
        widget.page.wait_for_function("document.querySelector('#question textarea').value === ''", timeout=2_000)
        widget.page.keyboard.type("and can my fam")  # the next question, started while the reply is on its way
        assert widget.bot_messages.count() == before  # (the reply is still on its way)
        widget.wait_for_reply(before)
        widget.page.wait_for_timeout(200)
        assert box.input_value() == "and can my fam", attempt
        box.fill("")


@pytest.mark.parametrize("locale, zone, region", [("en-GB", "Europe/London", "UK"), ("en-AU", "Australia/Sydney", "AU"),
                                                ("en-US", "Europe/London", "UK")])
def test_the_region_follows_the_browser_unless_the_url_names_one(server, browser_context, locale, zone, region):
    page = browser_context.new_page()
    try:
        cdp = browser_context.new_cdp_session(page)  # the browser's own settings, as a visitor's would be
        cdp.send("Emulation.setTimezoneOverride", {"timezoneId": zone})
        cdp.send("Emulation.setLocaleOverride", {"locale": locale})
        widget = Widget(page, server.url).open()
        widget.wait_for_region(region)
        assert widget.page.locator(f'#help-bar p[data-help-region="{region}"]').is_visible()
        widget.open("?region=NZ")  # the URL wins (waits for NZ)
    finally:
        page.close()


def test_the_first_screen_offers_example_questions_that_ask_themselves(widget, server):
    widget.open("?region=US")
    example = widget.page.get_by_text("How long does group therapy last in aftercare?", exact=True)
    assert example.is_visible()
    example.click()
    widget.wait_for_reply(0)
    assert "How long does group therapy last" in widget.bot_messages.first.inner_text()


def test_a_fallback_offers_each_suggestion_once_and_the_helpline_once(widget):
    widget.open("?region=UK")
    text = widget.ask("what is the best pizza topping")
    buttons = widget.page.locator("#suggestions button:visible")
    buttons.first.wait_for(timeout=REPLY_TIMEOUT)  # the buttons may render a moment after the reply (a busy machine)
    assert buttons.count() >= 1
    for label in buttons.all_inner_texts():
        assert label not in text  # offered as a button, not listed again in the reply
    assert text.count("116 123") == 1


def test_after_a_crisis_message_the_focus_is_on_the_first_line_and_the_block_is_announced(widget):
    widget.open("?region=US")
    widget.ask("i want to end my life tonight")
    widget.crisis_block_in_view()
    widget.page.wait_for_function("document.activeElement && document.activeElement.closest('#crisis-block')",
                                  timeout=5_000)
    assert widget.page.evaluate("document.activeElement.getAttribute('href')") == "tel:911"
    assert widget.page.locator("#crisis-block[role=alert]").count() == 1


def test_a_quick_exit_is_on_every_screen(widget):
    widget.open("?region=AU")
    exit_link = widget.page.locator("#quick-exit")
    assert exit_link.is_visible() and exit_link.get_attribute("href").startswith("https://")
    box = exit_link.bounding_box()
    assert box["height"] >= 44


def test_chat_messages_are_read_as_shown_not_as_markdown(widget):
    widget.open("?region=US")
    widget.ask("i want to end my life tonight")
    widget.page.wait_for_timeout(300)
    labelled = widget.page.evaluate(
        "[...document.querySelectorAll('#chat [aria-label]')].map(e => e.getAttribute('aria-label'))")
    assert not any("**" in label or "](tel:" in label for label in labelled), labelled


def test_the_chats_like_dislike_and_clear_buttons_are_44_px_tap_targets(widget):
    widget.open("?region=US")
    widget.ask("how long does group therapy last")
    sizes = widget.page.evaluate(
        "[...document.querySelectorAll('#chat button.icon-button')].map(b => [b.getAttribute('aria-label'),"
        " b.getBoundingClientRect().width, b.getBoundingClientRect().height])")
    assert {label for label, _, _ in sizes} >= {"Like", "Dislike", "Clear"}
    assert all(width >= 44 and height >= 44 for _, width, height in sizes), sizes
    assert widget.no_horizontal_overflow()


def test_nothing_covers_the_first_line_of_a_reply(widget):
    widget.open("?region=US")
    widget.ask("how long does group therapy last")
    covered = widget.page.evaluate("""(() => {
        const line = document.querySelector('#chat [data-testid="bot"] p, #chat [data-testid="bot"] strong');
        const r = line.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
        return !(top && (line.contains(top) || top.contains(line) || top.closest('[data-testid="bot"]')));
    })()""")
    assert not covered


@pytest.mark.parametrize("region", ["US", "UK"])  # the UK's lines are the longest labels
def test_a_320_by_568_phone_shows_the_lines_the_examples_and_the_question_box_without_scrolling(widget, region):
    widget.page.set_viewport_size({"width": 320, "height": 568})
    widget.open(f"?region={region}")
    widget.page.wait_for_timeout(300)  # the page's own layout after load (the region, the help bar)
    bottoms = widget.page.evaluate("""() => Object.fromEntries(
        ['#help-bar', '#chat button.example', '#question textarea', '#ask'].map(
            s => [s, document.querySelector(s).getBoundingClientRect().bottom]))""")
    assert widget.page.evaluate("scrollY") == 0
    assert all(bottom <= 568 for bottom in bottoms.values()), bottoms
    assert widget.page.evaluate("document.documentElement.scrollWidth") <= 320


def test_change_country_in_the_help_bar_leads_to_the_selector(widget):
    widget.open("?region=US")
    link = widget.page.locator("#help-bar p:not([hidden]) a.change-region")
    assert "United States" in link.get_attribute("aria-label")
    link.click()
    widget.page.wait_for_function("document.activeElement === document.querySelector('#region input')",
                                  timeout=5_000)


def test_links_inside_replies_are_at_least_24_px_tall(widget):
    """Issue #19: the crisis reply's inline links were 19 px tall, under WCAG's 24 px minimum target."""
    widget.open("?region=UK")
    widget.ask("i want to end my life tonight")
    heights = widget.bot_messages.first.locator("a").evaluate_all(
        "links => links.map(a => [a.textContent, a.getBoundingClientRect().height])")
    assert heights and all(height >= 24 for _, height in heights), heights


COVERED_PART_OF_LINK = """link => {
  const r = link.getBoundingClientRect();
  if (r.bottom < 0 || r.top > innerHeight) return null;  // off the screen: nothing to cover
  for (const x of [0.05, 0.25, 0.5, 0.75, 0.95]) {  // across the whole link: a control may cover one end
    const top = document.elementFromPoint(r.left + r.width * x, r.top + r.height / 2);
    if (!(top && (link === top || link.contains(top)))) return top ? top.outerHTML.slice(0, 80) : 'nothing';
  }
  return null;
}"""


def test_no_control_covers_a_link_in_a_reply_wherever_the_chat_is_scrolled(widget):
    """Gradio's floating scroll-down arrow sat over the overdose reply's Poison Help link."""
    widget.open("?region=US")
    widget.ask("my friend took a bunch of pills and wont wake up")
    widget.crisis_block_in_view()
    links = widget.bot_messages.first.locator("a")
    assert any("1-800-222-1222" in text for text in links.all_inner_texts())  # Poison Help is in the reply
    covered = []
    for scroll in (None, "end", "center", "start"):  # as the reply opened, then each link scrolled to
        for number in range(links.count()):
            if scroll:
                links.nth(number).evaluate(f"link => link.scrollIntoView({{block: '{scroll}'}})")
                widget.page.wait_for_timeout(150)  # the chat shows or hides its floating controls after a scroll
            on_top = links.nth(number).evaluate(COVERED_PART_OF_LINK)
            if on_top:
                covered.append((links.nth(number).inner_text(), scroll, on_top))
    assert not covered, covered


# -- issue #20: the staff page ------------------------------------------------------------------------
def test_staff_page_logs_in_answers_and_names_the_runner_up(seed_assistant, browser_context, monkeypatch):
    """Staff log in (HTTP Basic: the browser sends the password with each request), ask in the test
    pane and see the reply, the runner-up and why; the visitor page on the same server never links there."""
    import base64

    from assistant.web import app as web_app
    from tests.web.test_app import serving

    monkeypatch.setenv("ASSISTANT_STAFF_PASSWORD", "s3cret staff")
    with serving(web_app.build_app(seed_assistant, "US", rate_limit=0)) as url:
        page = browser_context.new_page()
        try:
            refused = page.request.get(url + "/staff")  # no password: nothing of the page
            assert refused.status == 401 and "Test a question" not in refused.text()
            page.set_extra_http_headers({"Authorization": "Basic " + base64.b64encode(b"staff:s3cret staff").decode()})
            assert page.goto(url + "/staff").status == 200
            page.fill("#q", "How long does group therapy usually last in aftercare?")
            page.select_option("#region", "UK")
            page.click("#ask")
            page.locator("#why").wait_for(timeout=REPLY_TIMEOUT)
            assert page.locator("#why").inner_text().startswith("Answered: the best score")
            assert "faq-duration" in page.locator("#candidates tr.shown").first.inner_text()
            runner_up = page.locator("#candidates tbody tr").nth(1).inner_text()
            assert "runner-up" in runner_up and "faq-duration" not in runner_up
            assert _vetted(seed_assistant, "faq-duration").answer[:60] in page.locator("#reply").inner_text()
            assert page.locator("#region").input_value() == "UK"  # the form keeps what was asked
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "staff-test-pane.png"), full_page=True)

            page.click("text=Crisis lines")
            assert page.locator('#region-UK a[href="tel:999"]').count() >= 1

            widget = Widget(page, url).open()
            assert page.locator('a[href*="staff"]').count() == 0
            assert "/staff" not in page.content()
            assert widget.foreign_requests == []
        finally:
            page.close()


# -- issue #19, second round: a frightened visitor on a small phone -------------------------------
def _feedback_shown(widget, row: int) -> bool:
    """Whether the `row`-th reply (0 = first) shows Like and Dislike."""
    return widget.page.evaluate(
        """(n) => { const row = document.querySelectorAll('#chat .message-row.bot-row')[n];
        const like = row && row.querySelector('button[aria-label="Like"]');
        return !!like && like.getBoundingClientRect().height > 0; }""", row)


def test_a_crisis_reply_cannot_be_rated_and_thanks_show_beside_the_button_pressed(widget):
    widget.open("?region=US")
    widget.ask("what is group therapy")
    widget.ask("i want to end my life tonight")
    widget.page.wait_for_function(
        """() => { const rows = document.querySelectorAll('#chat .message-row.bot-row');
        return rows.length === 2 && [...rows[1].querySelectorAll('button')].every(b => b.offsetParent === null); }""",
        timeout=5_000)
    assert _feedback_shown(widget, 0)  # an ordinary answer keeps them
    widget.page.locator("#chat .message-row.bot-row").first.scroll_into_view_if_needed()
    widget.page.locator('#chat .message-row.bot-row').first.locator('button[aria-label="Like"]').click()
    thanks = widget.page.locator("#chat .message-row.bot-row").first.get_by_text("Thanks for letting us know.")
    thanks.wait_for(timeout=10_000)
    box = thanks.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box  # on the screen, where they pressed
    assert widget.page.locator("#chat [role=status]").count() == 1


def _clear(widget):
    widget.page.locator('#chat button[aria-label="Clear"]').click()


def test_clear_asks_first_and_keeps_the_crisis_lines(widget):
    widget.open("?region=US")
    widget.ask("i want to end my life tonight")
    widget.crisis_block_in_view()
    _clear(widget)
    confirm = widget.page.locator("#clear-confirm")
    confirm.wait_for(state="visible", timeout=5_000)
    assert widget.page.evaluate("document.activeElement.id") == "clear-keep"  # the safe choice has the focus
    box = confirm.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box  # on the screen
    assert widget.bot_messages.count() == 1  # nothing cleared yet
    widget.page.locator("#clear-keep").click()
    confirm.wait_for(state="hidden", timeout=5_000)
    assert widget.bot_messages.count() == 1
    widget.page.evaluate("window.scrollTo(0, 0)")  # Clear pressed with the chat reaching below the screen
    _clear(widget)
    confirm.wait_for(state="visible", timeout=5_000)
    box = confirm.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    widget.page.keyboard.press("Escape")  # Escape keeps it too
    confirm.wait_for(state="hidden", timeout=5_000)
    assert widget.bot_messages.count() == 1
    _clear(widget)
    widget.page.locator("#clear-yes").click()
    widget.page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0",
                                  timeout=5_000)
    assert widget.page.locator('#crisis-block a[href="tel:911"]').first.is_visible()  # the lines stay
    assert widget.page.locator('#help-bar p:not([hidden]) a[href="tel:911"]').is_visible()
    # A new conversation: its first answer is an ordinary one, rated as such (the old crisis turn is gone).
    assert "Source:" in widget.ask("what is group therapy")
    widget.page.wait_for_function(
        "(() => { const b = document.querySelector('#chat .bot-row button[aria-label=\"Like\"]');"
        " return b && b.offsetParent !== null; })()", timeout=5_000)


NEWEST_REPLY_TOP_SHOWN = """() => {
  const rows = document.querySelectorAll('#chat .message-row.bot-row');
  const newest = rows[rows.length - 1];
  let box = newest.parentElement;
  while (box && !(['auto', 'scroll'].includes(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight))
    box = box.parentElement;
  const top = newest.getBoundingClientRect().top, view = box.getBoundingClientRect();
  return newest.getBoundingClientRect().height > view.height && top >= view.top - 1 && top < view.top + 40;
}"""


def test_a_long_reply_is_shown_from_its_start(widget):
    """At 360 px the crisis reply is taller than the chat: it opens at its first line, not its last."""
    widget.open("?region=US")
    widget.ask("what is group therapy")
    widget.ask("how long does group therapy last")
    widget.ask("i want to end my life tonight")
    widget.page.wait_for_function(NEWEST_REPLY_TOP_SHOWN, timeout=5_000)
    widget.screenshot("long-reply-start-360px")
    # A long article passage too: its first line in the chat's box and on the screen.
    assert "Source:" in widget.ask("Breaking the isolation: group therapy in aftercare programs")
    widget.page.wait_for_function("""() => {
      const rows = document.querySelectorAll('#chat .message-row.bot-row');
      const top = rows[rows.length - 1].getBoundingClientRect().top;
      const chat = document.getElementById('chat').getBoundingClientRect();
      return top >= chat.top - 1 && top < chat.top + 60 && top >= 0 && top < innerHeight - 80;
    }""", timeout=5_000)


EMBED_HOST = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0"><div style="height:1200px">The site's own text, above.</div>
<iframe class="faq-widget" src="{src}" title="FAQ" style="display:block;width:100%;height:640px;border:0"></iframe>
<div style="height:2000px">The site's own text, below.</div></body></html>"""


def test_a_crisis_reply_in_an_iframe_does_not_scroll_the_site_around_it(widget, server):
    page = widget.page
    page.goto(server.url + "/healthz")
    page.set_content(EMBED_HOST.format(src=server.url + "/?region=US"))
    frame = page.frame_locator("iframe.faq-widget")
    box = frame.locator("#question textarea")
    box.wait_for(timeout=REPLY_TIMEOUT)
    # The visitor is at the widget, which is all on the screen with a little of the site above it.
    page.evaluate("window.scrollTo(0, document.querySelector('iframe').offsetTop - 100)")
    box.fill("i want to end my life tonight")
    box.press("Enter")
    frame.locator("#crisis-block").wait_for(timeout=REPLY_TIMEOUT)
    inner = page.frames[1]
    inner.wait_for_function("document.activeElement && document.activeElement.closest('#crisis-block')",
                            timeout=5_000)  # the page has done its scrolling and moved the focus
    assert page.evaluate("window.scrollY") == 1100
    assert inner.evaluate("document.getElementById('crisis-block').getBoundingClientRect().top") < 100


def test_the_embed_example_opened_as_a_file_says_how_to_open_it(widget):
    """Browsers refuse a widget framed by a file:// page (CSP frame-ancestors): the page says what to do."""
    page = widget.page
    page.goto((ROOT / "examples" / "embed.html").as_uri())
    note = page.locator("#opened-as-file")
    note.wait_for(state="visible", timeout=5_000)
    assert "python3 -m http.server" in note.inner_text()
    assert page.locator("iframe.faq-widget").count() == 0


# -- accessibility: axe-core finds nothing, of any impact, on the screens a visitor meets --------------
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                                      where: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
}"""


def _axe(widget) -> list[dict]:
    # Gradio's fades must end first: axe must see the colours a visitor sees. A fixed 400 ms was not always
    # enough on a loaded 2-core CI machine (the dark theme's first screen was measured mid-fade), so wait
    # until no finite animation or transition is still running.
    widget.page.wait_for_timeout(400)
    widget.page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect?.getComputedTiming().iterations === Infinity)", timeout=10_000)
    if not widget.page.evaluate("typeof axe !== 'undefined'"):
        widget.page.add_script_tag(path=str(AXE))
    found = widget.page.evaluate(AXE_RUN)
    if found:
        # Twice in fresh-clone CI runs (2026-12-03) the dark first screen's "change country" link was measured
        # while the load event was still re-rendering the help bar (#1a1a1a on its own #fff5f5, 16:1, once
        # the bar is drawn). A visitor reads the settled screen: measure it again a second later, and fail only
        # on what is still there.
        widget.page.wait_for_timeout(1000)
        found = widget.page.evaluate(AXE_RUN)
    return found


def _save_screen(widget, name: str) -> None:
    """For reviewers (`make screenshots`): the phone's screen as the visitor sees it, at 360 px."""
    if SCREENSHOTS:
        from PIL import Image  # Pillow comes with Gradio

        path = Path(SCREENSHOTS) / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        widget.page.screenshot(path=str(path))
        # 256 colours, undithered: text stays crisp and the file is less than half the size.
        Image.open(path).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)


@pytest.mark.skipif(not AXE.exists(), reason=f"needs axe-core at {AXE}: `make install` puts it there "
                                             "(npm install --prefix .cache/axe axe-core)")
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_accessibility_problem(widget, theme):
    """The first screen, an answer, a fallback and a crisis reply, in the light and dark themes."""
    widget.open(f"?region=US&__theme={theme}")
    found = {}
    found["first-screen"] = _axe(widget)
    _save_screen(widget, f"first-screen-{theme}")
    widget.ask("How long does group therapy usually last in aftercare?")
    found["answer"] = _axe(widget)
    _save_screen(widget, f"answer-{theme}")
    widget.ask("what is the best pizza topping")
    widget.page.locator("#suggestions button:visible").first.wait_for(timeout=REPLY_TIMEOUT)
    found["fallback"] = _axe(widget)
    _save_screen(widget, f"fallback-{theme}")
    widget.ask("i want to end my life tonight")
    widget.crisis_block_in_view()
    found["crisis"] = _axe(widget)
    _save_screen(widget, f"crisis-{theme}")
    widget.page.locator('#chat button[aria-label="Clear"]').click()  # and the question before clearing
    widget.page.locator("#clear-confirm").wait_for(state="visible", timeout=5_000)
    found["clear-confirm"] = _axe(widget)
    problems = {screen: violations for screen, violations in found.items() if violations}
    assert not problems, json.dumps(problems, indent=1)
