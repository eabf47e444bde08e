// One EventSource on the stream (topics cluster and usage); each burst of messages refreshes
// once. Polling every 10 s only while the stream is down, stopped as soon as it is back.
import {BASE} from "./api.js";

const POLL_MS = 10000;
const REOPEN_MS = 15000;
const SETTLE_MS = 500;      // many clusters' messages in one burst: one refresh

export function follow({refresh, onStatus, onCredentialsEnded}) {
  let source = null, poller = null, settle = null, reopen = null, stopped = false;

  const later = () => {
    if (settle === null) settle = setTimeout(() => { settle = null; refresh(); }, SETTLE_MS);
  };
  const startPolling = () => {
    if (poller === null) { poller = setInterval(refresh, POLL_MS); onStatus("polling every 10 s"); }
  };
  const stopPolling = () => {
    if (poller !== null) { clearInterval(poller); poller = null; }
  };
  const open = () => {
    reopen = null;
    if (stopped) return;
    source = new EventSource(`${BASE}stream?topics=cluster,usage`);
    source.onopen = () => { stopPolling(); onStatus("live"); };
    for (const topic of ["cluster", "usage", "reset"]) source.addEventListener(topic, later);
    source.addEventListener("end", (event) => {
      source.close();
      const reason = safeReason(event.data);
      if (reason === "credentials") { stop(); onCredentialsEnded(); return; }
      startPolling();
      reopen = setTimeout(open, REOPEN_MS);
    });
    source.onerror = () => {
      startPolling();
      if (source.readyState === EventSource.CLOSED && reopen === null) reopen = setTimeout(open, REOPEN_MS);
    };
  };
  const stop = () => {
    stopped = true;
    if (source) source.close();
    stopPolling();
    clearTimeout(settle); clearTimeout(reopen);
  };
  open();
  return stop;
}

function safeReason(data) {
  try { return JSON.parse(data).reason; } catch { return null; }
}
