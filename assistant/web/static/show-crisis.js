// After each reply: when the crisis block first appears (or changes), bring it into view on a phone.
// Client-side only; reads no visitor text.
() => setTimeout(() => {
  const block = document.getElementById('crisis-block');
  if (!block || block.offsetParent === null) return;
  const text = block.innerText;
  if (window.__crisisShown === text) return;
  window.__crisisShown = text;
  block.scrollIntoView({block: 'start'});
}, 50)
