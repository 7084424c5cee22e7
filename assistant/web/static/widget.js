// The widget's own page behaviour, loaded once in <head> (client-side only; reads no visitor text).
(() => {
  // Gradio names each chat message by its Markdown source ("**If you are…** [911](tel:911)"), and a name on a
  // plain div is not allowed (axe: aria-prohibited-attr): without it, screen readers read the message as shown.
  const unlabel = () => document.querySelectorAll(
    '#chat .message[aria-label], #chat [data-testid=bot][aria-label], #chat [data-testid=user][aria-label]')
    .forEach(el => el.removeAttribute('aria-label'));

  // Crisis replies carry no Like/Dislike: rating one makes no sense. The page learns which turns are crisis
  // replies after each reply (after-reply.js sets window.__crisisTurns, their indexes in the conversation);
  // each turn is one .message-row, in order. Gradio re-renders rows freely, so this runs on every change.
  window.__crisisTurns = window.__crisisTurns || [];
  window.__markCrisisReplies = () => {
    const turns = new Set(window.__crisisTurns.map(String));
    document.querySelectorAll('#chat .message-row').forEach((row, index) => {
      const crisis = turns.has(String(index));
      if (crisis && !row.hasAttribute('data-crisis-reply')) row.setAttribute('data-crisis-reply', '');
      if (!crisis && row.hasAttribute('data-crisis-reply')) row.removeAttribute('data-crisis-reply');
    });
  };

  // Gradio lists the example questions as role=list with buttons in it, which a list may not hold (axe:
  // aria-required-children): they are a group of buttons.
  const groupExamples = () => document.querySelectorAll('#chat .examples[role=list]').forEach(el => {
    el.setAttribute('role', 'group');
    el.setAttribute('aria-label', 'Example questions');
  });

  new MutationObserver(() => { unlabel(); groupExamples(); window.__markCrisisReplies(); }).observe(document.documentElement,
    {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label']});

  // "Thanks for letting us know." is shown beside the Like/Dislike the visitor pressed, not somewhere
  // below the chat where a phone screen does not reach.
  let pressed = null;
  window.__showFeedbackThanks = (text) => {
    document.querySelectorAll('.feedback-thanks').forEach(el => el.remove());
    const buttons = pressed && pressed.isConnected && pressed.closest('.message-buttons');
    if (!text || !buttons) return;
    const thanks = document.createElement('span');
    thanks.className = 'feedback-thanks';
    thanks.setAttribute('role', 'status');
    buttons.appendChild(thanks);
    // The text goes into the status region once it is in the page, so screen readers announce it.
    requestAnimationFrame(() => { thanks.textContent = text; });
  };

  // Clear asks first, in the page: one mistaken tap must not wipe the conversation. The confirmation is
  // #clear-confirm (app.py); "Clear" there presses Gradio's own Clear, which this listener then lets through.
  let confirmed = false;
  const confirmBox = () => document.getElementById('clear-confirm');
  const clearButton = () => document.querySelector('#chat button[aria-label="Clear"]');
  const closeConfirm = (focus) => {
    const box = confirmBox();
    if (box) box.hidden = true;
    if (focus) focus.focus({preventScroll: true});
  };
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const feedback = target.closest('#chat button[aria-label="Like"], #chat button[aria-label="Dislike"]');
    if (feedback) pressed = feedback;
    if (target.closest('#chat button[aria-label="Clear"]') && !confirmed) {
      const box = confirmBox();
      if (!box) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      box.hidden = false;
      // On the screen (it sits under the chat, which may reach below it); this page's own scroll only.
      const rect = box.getBoundingClientRect();
      if (rect.bottom > innerHeight) window.scrollBy(0, Math.ceil(Math.min(rect.bottom - innerHeight + 8, rect.top)));
      box.querySelector('#clear-keep').focus({preventScroll: true});
    } else if (target.closest('#clear-yes')) {
      closeConfirm(document.querySelector('#question textarea'));
      const clear = clearButton();
      confirmed = true;
      try { if (clear) clear.click(); } finally { confirmed = false; }
      window.__crisisTurns = [];
    } else if (target.closest('#clear-keep')) {
      closeConfirm(clearButton());
    }
  }, true);
  document.addEventListener('keydown', (event) => {
    const box = confirmBox();
    if (event.key === 'Escape' && box && !box.hidden) closeConfirm(clearButton());
  }, true);
})();
