// After each reply: when the crisis block first appears (or changes), bring it into view on a phone,
// announce it to screen readers (role=alert) and move the focus to its first line, so a keyboard or
// screen-reader user is at the numbers at once. The block may render a moment after the reply on a busy
// phone, so this looks again for up to 3 s. Client-side only; reads no visitor text.
() => {
  let tries = 0;
  const look = () => {
    const block = document.getElementById('crisis-block');
    if (!block || block.offsetParent === null || !block.innerText.trim()) {
      if (++tries < 30) setTimeout(look, 100);
      return;
    }
    const text = block.innerText;
    if (window.__crisisShown === text) return;
    window.__crisisShown = text;
    block.setAttribute('role', 'alert');
    block.scrollIntoView({block: 'start'});
    const first = block.querySelector('a');
    if (first) first.focus({preventScroll: true});
  };
  setTimeout(look, 50);
}
