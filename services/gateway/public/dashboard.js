import { api, formatBytes, formatTime, h, keyPrompt } from '/api.js';

const POLL_MS = 2000;
const askForKey = keyPrompt('Admin API key', 'The dashboard needs the admin token or a key with the admin scope.');
const call = (method, path, body) => api(method, path, body, { askForKey });
const $ = (selector) => document.querySelector(selector);

const tile = (label, value, id) => h('div', { class: 'tile', 'data-metric': id }, h('div', { class: 'value' }, value.toLocaleString()), h('div', { class: 'label' }, label));

/** Bars of images made ready (and failed, in red) per minute, drawn as SVG. */
function chart(points) {
  const width = 900;
  const height = 140;
  const max = Math.max(1, ...points.map((p) => p.ready + p.failed));
  const step = width / points.length;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 18}`);
  svg.setAttribute('width', '100%');
  points.forEach((p, i) => {
    const bar = (value, offset, colour) => {
      const rect = document.createElementNS(ns, 'rect');
      const barHeight = (value / max) * height;
      rect.setAttribute('x', String(i * step + 1));
      rect.setAttribute('width', String(step - 2));
      rect.setAttribute('y', String(height - offset - barHeight));
      rect.setAttribute('height', String(barHeight));
      rect.setAttribute('fill', colour);
      const title = document.createElementNS(ns, 'title');
      title.textContent = `${new Date(p.minute).toLocaleTimeString()}: ${p.ready} ready, ${p.failed} failed`;
      rect.append(title);
      svg.append(rect);
      return barHeight;
    };
    const readyHeight = bar(p.ready, 0, '#3056d3');
    bar(p.failed, readyHeight, '#c62f3a');
  });
  const label = document.createElementNS(ns, 'text');
  label.setAttribute('x', '0');
  label.setAttribute('y', String(height + 14));
  label.setAttribute('font-size', '12');
  label.setAttribute('fill', '#687087');
  const perMinute = points.at(-1) ? points.at(-2)?.ready ?? 0 : 0;
  label.textContent = `peak ${max}/min · last full minute ${perMinute}/min`;
  svg.append(label);
  return svg;
}

function table(headers, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h('table', {}, h('tr', {}, headers.map((x) => h('th', {}, x))), rows);
}

function progress(batch) {
  const part = (count, colour) => h('i', { style: `width:${(100 * count) / Math.max(1, batch.total)}%;background:${colour}` });
  return h('div', { class: 'bar', title: JSON.stringify(batch.counts) }, part(batch.counts.ready, '#1f8a4c'), part(batch.counts.failed, '#c62f3a'), part(batch.counts.processing + batch.counts.queued, '#9fb2ee'));
}

/** "about 3 min left": a rough figure reads better than an exact one that changes every poll. */
function timeLeft(seconds) {
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `about ${minutes} min left` : `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

const STATE_TITLES = {
  active: 'Searches answer from this model.',
  standby: 'Kept up to date; activating it again is instant.',
  building: 'Being filled in with every ready image.',
};

/** A model's row, and a row under it for its error: a loader's message is long, and would widen the table past the page. */
function modelRows(m) {
  const { embedded, ready, ratio, perMinute, etaSeconds } = m.coverage;
  // Rounded down, so "100.0 %" is only ever shown for a model that really covers every image.
  const percent = (Math.floor(ratio * 1000) / 10).toFixed(1);
  const filling = embedded < ready ? (m.dimension === null ? 'waiting for a worker' : [`${perMinute.toLocaleString()}/min`, etaSeconds === null ? ', not moving' : `, ${timeLeft(etaSeconds)}`]) : h('span', { class: 'muted' }, 'up to date');
  const row = h(
    'tr',
    { 'data-model': m.id, 'data-state': m.state, class: [m.active && 'active', m.error && 'has-error'].filter(Boolean).join(' ') || undefined },
    h('td', {}, m.id),
    h('td', { class: 'source' }, m.source, m.dtype && h('span', { class: 'muted' }, ` (${m.dtype})`)),
    h('td', {}, m.dimension ?? h('span', { class: 'muted', title: 'Known once a worker has loaded it.' }, 'not loaded')),
    h('td', {}, h('span', { class: `badge ${m.state}`, title: STATE_TITLES[m.state] }, m.state), m.state === 'building' && m.activateWhenComplete && h('div', { class: 'muted note' }, 'active once complete')),
    h('td', { class: 'nowrap' }, h('div', { class: 'coverage' }, h('progress', { max: 1, value: ratio }), h('span', {}, `${embedded.toLocaleString()} / ${ready.toLocaleString()} (${percent} %)`))),
    h('td', { class: 'nowrap' }, filling),
    h('td', { class: 'nowrap' }, formatTime(m.createdAt)),
  );
  return m.error ? [row, h('tr', { 'data-model-error': m.id }, h('td', {}), h('td', { class: 'error', colspan: 6 }, m.error))] : [row];
}

/** Live models as the API orders them; retired ones are only counted (their vectors are gone, and the list only grows). */
function models(items) {
  const live = items.filter((m) => m.state !== 'retired');
  const retired = items.length - live.length;
  return [
    table(['Model', 'Source', 'Dimension', 'State', 'Coverage', 'Filling in', 'Added'], live.flatMap(modelRows), 'No model is registered yet.'),
    ...(retired > 0 ? [h('p', { class: 'muted' }, `${retired} retired ${retired === 1 ? 'model' : 'models'} not shown.`)] : []),
  ];
}

async function act(path, confirmText) {
  if (confirmText && !confirm(confirmText)) return;
  await call('POST', path);
  await refresh();
}

/** The refresh in progress, if any: a poll never starts while another is still waiting. */
let refreshing;

function refresh() {
  refreshing ??= load().finally(() => (refreshing = undefined));
  return refreshing;
}

async function load() {
  try {
    const data = await call('GET', '/v1/dashboard');
    // After the dashboard, not beside it: two calls answered 401 at once would open the key prompt twice.
    const { items: modelList } = await call('GET', '/v1/models');
    $('#problem').hidden = true;
    const counts = data.queues[0].counts;
    $('#queue').replaceChildren(...['waiting', 'active', 'delayed', 'failed', 'completed'].map((state) => tile(`jobs ${state}`, counts[state], `queue-${state}`)));
    $('#images').replaceChildren(
      ...Object.entries(data.images).map(([status, count]) => tile(`images ${status.replace('_', ' ')}`, count, `images-${status}`)),
      tile('vectors', data.index.vectors, 'vectors'),
      h('div', { class: 'tile', 'data-metric': 'index-size' }, h('div', { class: 'value' }, formatBytes(data.index.sizeBytes)), h('div', { class: 'label' }, 'HNSW index')),
    );
    $('#chart').replaceChildren(chart(data.throughput));
    $('#workers').replaceChildren(
      table(['Worker', 'Host', 'Model', 'Batch', 'Concurrency', 'Jobs', 'Since'], data.workers.map((w) => h('tr', { 'data-worker': w.id }, h('td', {}, w.id.slice(0, 8)), h('td', {}, `${w.host} (pid ${w.pid})`), h('td', {}, w.model), h('td', {}, w.batch), h('td', {}, w.concurrency), h('td', {}, Object.entries(w.jobs).map(([k, v]) => `${k} ${v}`).join(', ')), h('td', {}, formatTime(w.startedAt)))), 'No worker is running.'),
    );
    $('#models').replaceChildren(...models(modelList));
    $('#failed').replaceChildren(
      table(['Image', 'Reason', 'Attempts', 'Uploaded', ''], data.failed.map((image) => h('tr', { 'data-failed': image.id }, h('td', {}, image.filename ?? image.id), h('td', { class: 'error' }, image.error ?? ''), h('td', {}, image.attempts), h('td', {}, formatTime(image.createdAt)), h('td', {}, h('button', { onclick: () => act(`/v1/jobs/${image.id}/retry`), 'data-action': 'retry' }, 'Retry'), ' ', h('button', { class: 'danger', onclick: () => act(`/v1/jobs/${image.id}/discard`, 'Delete this image?'), 'data-action': 'discard' }, 'Discard')))), 'Nothing has failed.'),
    );
    $('#batches').replaceChildren(
      table(['Batch', 'Images', 'Progress', 'Ready', 'Failed', 'Created'], data.batches.map((b) => h('tr', { 'data-batch': b.id }, h('td', {}, b.label ?? b.id.slice(0, 8)), h('td', {}, b.total), h('td', {}, progress(b)), h('td', {}, b.counts.ready), h('td', {}, b.counts.failed), h('td', {}, formatTime(b.createdAt)))), 'No batches yet.'),
    );
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $('#problem').hidden = false;
    $('#problem').textContent = error.message;
  }
}

$('#key').addEventListener('click', async () => (await askForKey()) && refresh());
$('#retry-all').addEventListener('click', () => act('/v1/jobs/retry-failed'));
$('#discard-all').addEventListener('click', () => act('/v1/jobs/discard-failed', 'Delete every failed image?'));
await refresh();
// Poll while the page is seen, one request at a time; a hidden tab costs the server nothing.
setInterval(() => document.visibilityState === 'visible' && refresh(), POLL_MS);
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && refresh());
