// After each reply (client-side only; reads no visitor text). Given the crisis turns (their indexes in the
// conversation, from the server's reply):
// - marks the crisis replies, which carry no Like/Dislike (widget.js);
// - shows the newest reply from its start (and gives it the focus when nothing has it): the chat's own scroll box is scrolled so the reply's top is at
//   its top (Gradio's autoscroll would show its end, hiding the start of a long reply);
// - when the crisis block first appears (or changes), brings it into view, announces it to screen readers
//   (role=alert) and moves the focus to its first line, so a keyboard or screen-reader user is at the numbers.
// Only this page's own scroll positions are set (never scrollIntoView), so a site embedding the widget in an
// iframe is never scrolled by it. The reply may render a moment late on a busy phone: this looks again for 3 s.
(turns) => {
  window.__crisisTurns = Object.keys(turns || {});
  if (window.__markCrisisReplies) window.__markCrisisReplies();
  const scrollBox = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowY;
      if ((overflow === 'auto' || overflow === 'scroll') && node.scrollHeight > node.clientHeight) return node;
    }
    return null;
  };
  const rows = () => document.querySelectorAll('#chat .message-row');
  const expected = Math.max(0, ...window.__crisisTurns.map(Number)) + 1;  // at least this many turns
  let tries = 0;
  const showNewest = () => {
    const all = rows();
    const newest = all[all.length - 1];
    if (!newest || all.length < expected || !newest.classList.contains('bot-row')) {
      if (++tries < 30) setTimeout(showNewest, 100);
      return;
    }
    const box = scrollBox(newest);
    if (box) box.scrollTop += Math.floor(newest.getBoundingClientRect().top - box.getBoundingClientRect().top);
    const top = newest.getBoundingClientRect().top;
    // The reply's start on the screen too, unless it is a crisis reply: then the crisis block takes the top.
    const crisisReply = window.__crisisTurns.includes(String(all.length - 1));
    if (!crisisReply && (top < 0 || top > innerHeight - 80)) window.scrollBy(0, top - 8);
    // A "Did you mean" button hides itself once pressed, which drops the focus to <body>: give it to
    // the new reply instead, so a screen reader reads it and Tab goes on from there. Never taken from
    // the crisis block's first line, where showCrisis puts it.
    const active = document.activeElement;
    if (!active || active === document.body) {
      newest.setAttribute('tabindex', '-1');
      newest.focus({preventScroll: true});
    }
  };
  let crisisTries = 0;
  const showCrisis = () => {
    const block = document.getElementById('crisis-block');
    if (!block || block.offsetParent === null || !block.innerText.trim()) {
      if (++crisisTries < 30) setTimeout(showCrisis, 100);
      return;
    }
    const text = block.innerText;
    if (window.__crisisShown === text) return;
    window.__crisisShown = text;
    block.setAttribute('role', 'alert');
    window.scrollBy(0, Math.floor(block.getBoundingClientRect().top));  // whole pixels: the top edge stays on screen
    const first = block.querySelector('a');
    if (first) first.focus({preventScroll: true});
  };
  setTimeout(() => { showNewest(); showCrisis(); }, 50);
}
