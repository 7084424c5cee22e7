// Show the help bar of the chosen region (client-side only; reads no visitor text).
(region) => {
  document.querySelectorAll('[data-help-region]').forEach(p => { p.hidden = p.dataset.helpRegion !== region; });
  return region;
}
