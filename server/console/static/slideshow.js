// The slideshow: the folder's pictures listed in the page ([data-slides]) shown one
// after another in the whole window, the next every few seconds. Space pauses and
// carries on, the arrow keys step, Escape leaves to the picture's own page. The next
// picture is fetched while this one shows, so it appears at once. A file of its own:
// the console's Content-Security-Policy allows no inline script.
const show = document.querySelector("[data-slideshow]");
const list = document.querySelector("[data-slides]");
if (show && list) {
  const slides = [...list.querySelectorAll("a[data-src]")].map(a => ({ name: a.textContent, src: a.dataset.src, view: a.href }));
  const img = show.querySelector("[data-slide]");
  const caption = show.querySelector("[data-caption]");
  const pause = show.querySelector("[data-pause]");
  const every = Math.max(2, Number(show.dataset.every) || 5) * 1000;
  let at = Math.min(Number(show.dataset.start) || 0, slides.length - 1);
  let playing = true;
  let timer = 0;
  let ahead = null; // the next picture, fetched before it is needed

  // The timer starts once a picture has loaded (or failed), so a slow one still shows
  // for the whole time.
  function schedule() {
    clearTimeout(timer);
    if (playing && slides.length > 1) timer = setTimeout(() => go(at + 1), every);
  }
  function draw() {
    show.dataset.playing = playing;
    pause.textContent = playing ? "Pause" : "Carry on";
    caption.textContent = `${slides[at].name} (${at + 1} of ${slides.length})${playing ? "" : " · paused"}`;
  }
  function go(i) {
    at = (i + slides.length) % slides.length;
    clearTimeout(timer);
    img.alt = slides[at].name;
    img.src = slides[at].src;
    draw();
    const next = slides[(at + 1) % slides.length];
    ahead = new Image();
    ahead.src = next.src;
  }
  function toggle() {
    playing = !playing;
    draw();
    if (playing) schedule(); else clearTimeout(timer);
  }
  function leave() {
    location.href = slides[at].view;
  }
  img.addEventListener("load", schedule);
  img.addEventListener("error", schedule);
  show.querySelector("[data-prev]").addEventListener("click", () => go(at - 1));
  show.querySelector("[data-next]").addEventListener("click", () => go(at + 1));
  show.querySelector("[data-leave]").addEventListener("click", leave);
  pause.addEventListener("click", toggle);
  document.addEventListener("keydown", e => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // Space and Enter on a button press the button; the page must not act twice.
    if ((e.key === " " || e.key === "Enter") && e.target.closest("button, a")) return;
    switch (e.key) {
      case " ": toggle(); break;
      case "ArrowRight": go(at + 1); break;
      case "ArrowLeft": go(at - 1); break;
      case "Escape": leave(); break;
      default: return;
    }
    e.preventDefault();
  });
  document.documentElement.classList.add("showing");
  list.hidden = true;
  show.hidden = false;
  go(at);
}
