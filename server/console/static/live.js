// Keeps a page's live part ([data-live]) current without a reload: when the server's
// health changes (its event stream), or every few seconds while work runs
// ([data-poll]), the page is fetched again and its live part swapped in.
const live = document.querySelector("[data-live]");
if (live) {
  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const resp = await fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
      if (!resp.ok || resp.redirected) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.querySelector("[data-live]");
      // Never under someone's hands: a field or button they are on, or a question they
      // opened ("Remove…") stays as it is until they are done.
      const busyHere = live.contains(document.activeElement) || live.querySelector("details[open], input:checked");
      if (fresh && fresh.innerHTML !== live.innerHTML && !busyHere) {
        live.replaceChildren(...fresh.childNodes);
        live.dispatchEvent(new CustomEvent("hearth:refreshed", { bubbles: true }));
      }
    } catch (e) {
      // The server is away for a moment; the stream reconnects by itself.
    } finally {
      busy = false;
    }
  }
  // The first event may already differ from the state the page was made with.
  const stream = new EventSource("/api/v1/health/stream");
  stream.addEventListener("health", refresh);
  setInterval(() => { if (document.querySelector("[data-poll]")) refresh(); }, 2000);
  // A file uploaded into this folder shows in its list.
  document.addEventListener("hearth:uploaded", refresh);
}
