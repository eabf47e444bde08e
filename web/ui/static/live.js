// One EventSource for the whole page (every topic); views subscribe to the topics they show.
// While the stream is down every view's resync runs every 10 s (polling), stopped as soon as the
// stream is back; a `reset` (messages were missed) or a reopened stream resyncs once.
import {BASE} from "./api.js";

const POLL_MS = 10000;
const REOPEN_MS = 15000;
export const TOPICS = ["cluster", "usage", "event", "request", "server"];

const listeners = new Map(TOPICS.map((topic) => [topic, new Set()]));
const resyncs = new Set();
let source = null, poller = null, reopen = null, stopped = true, hooks = {};

// fn(data) for each message of `topic`; returns the unsubscribe function.
export function subscribe(topic, fn) {
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

// fn() whenever a view must fetch again rather than trust the messages; returns the unsubscribe.
export function onResync(fn) {
  resyncs.add(fn);
  return () => resyncs.delete(fn);
}

function resync() {
  for (const fn of [...resyncs]) fn();
}

function deliver(topic, event) {
  let data;
  try { data = JSON.parse(event.data); } catch { return; }
  for (const fn of [...listeners.get(topic)]) fn(data);
}

function startPolling() {
  if (poller === null) { poller = setInterval(resync, POLL_MS); hooks.onStatus("polling every 10 s"); }
}

function stopPolling() {
  if (poller !== null) { clearInterval(poller); poller = null; }
}

function open() {
  reopen = null;
  if (stopped) return;
  let wasDown = poller !== null;
  source = new EventSource(`${BASE}stream?topics=${TOPICS.join(",")}`);
  source.onopen = () => {
    stopPolling();
    hooks.onStatus("live");
    if (wasDown) { wasDown = false; resync(); }
  };
  for (const topic of TOPICS) source.addEventListener(topic, (event) => deliver(topic, event));
  source.addEventListener("reset", resync);
  source.addEventListener("end", (event) => {
    source.close();
    if (safeReason(event.data) === "credentials") { stopLive(); hooks.onCredentialsEnded(); return; }
    wasDown = true;
    startPolling();
    reopen = setTimeout(open, REOPEN_MS);
  });
  source.onerror = () => {
    wasDown = true;
    startPolling();
    if (source.readyState === EventSource.CLOSED && reopen === null) reopen = setTimeout(open, REOPEN_MS);
  };
}

export function startLive({onStatus, onCredentialsEnded}) {
  if (!stopped) return;
  hooks = {onStatus, onCredentialsEnded};
  stopped = false;
  open();
}

export function stopLive() {
  stopped = true;
  if (source) source.close();
  source = null;
  stopPolling();
  clearTimeout(reopen);
}

// fn called once per burst: many clusters' messages within `ms` make one call.
export function settled(fn, ms = 300) {
  let timer = null;
  return () => {
    if (timer === null) timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
}

// A page the browser keeps for Back (the back/forward cache) would hold its stream open: a
// browser allows only six connections to a host, so a few such pages stall every new request.
// The stream closes when the page is hidden that way and reopens (with a resync) if it comes back.
window.addEventListener("pagehide", (event) => {
  if (!event.persisted || stopped) return;
  const resume = hooks;
  stopLive();
  window.addEventListener("pageshow", () => { startLive(resume); resync(); }, {once: true});
});

function safeReason(data) {
  try { return JSON.parse(data).reason; } catch { return null; }
}
