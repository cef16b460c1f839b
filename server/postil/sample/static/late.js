// Stand-in for a theme that loads the article body after the page (infinite scroll, paywalls):
// the body waits in a <template> and replaces the "Loading…" box a moment after load.
setTimeout(function () {
  var box = document.getElementById("entry-content");
  box.replaceChildren(document.getElementById("late-content").content.cloneNode(true));
}, 1500);
