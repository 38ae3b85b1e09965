import { api, formatBytes, getKey, h, keyPrompt } from '/api.js';

const results = document.querySelector('#results');
const summary = document.querySelector('#summary');
const uploads = document.querySelector('#uploads');
const detail = document.querySelector('#detail');
const askForKey = keyPrompt('API key', 'Searching needs the read scope, uploading the write scope.');
const call = (method, path, body) => api(method, path, body, { askForKey });

function card(image, score, relevance) {
  // Images embedded before thumbnails existed have none: show the grey tile instead of a broken icon.
  const thumbnail = image.thumbnailUrl
    ? h('img', { src: image.thumbnailUrl, alt: image.filename ?? 'image', loading: 'lazy', onerror: (event) => event.target.removeAttribute('src') })
    : h('img', { alt: image.status });
  return h(
    'div',
    { class: 'card', 'data-id': image.id, 'data-status': image.status, 'data-relevance': relevance ?? undefined, onclick: () => showDetail(image.id) },
    thumbnail,
    h('div', { class: 'meta' }, h('span', { title: image.filename ?? '' }, image.filename ?? image.id.slice(0, 8)), score === undefined ? h('span', { class: `status-${image.status}` }, image.status) : h('span', { class: 'score', title: relevance == null ? 'score' : `score; relevance ${relevance.toFixed(2)}` }, score.toFixed(3))),
  );
}

/** Results per page: 60, or the page's `limit` parameter (1 to 200). */
const PAGE = Math.min(200, Math.max(1, Number(new URLSearchParams(location.search).get('limit')) || 60));

/**
 * What is on screen: how to fetch a page of it (from a cursor, or the first), where the next page
 * starts, and what to call it. Scrolling to the end fetches the next page.
 */
let listing;

/** Shows the first page of `fetchPage`'s listing; says whether it answered. */
async function run(fetchPage, what) {
  const started = performance.now();
  const mine = { fetchPage, what, next: null, count: 0, loading: true };
  listing = mine;
  try {
    const page = await fetchPage(undefined);
    if (listing !== mine) return false;
    results.replaceChildren(...page.items.map(({ image, score, relevance }) => card(image, score, relevance)));
    if (page.items.length === 0) results.append(h('div', { class: 'empty' }, 'Nothing here yet.'));
    Object.assign(mine, { next: page.next, count: page.items.length, ms: Math.round(performance.now() - started) });
    describe(mine);
    return true;
  } catch (error) {
    summary.textContent = error.message;
    return false;
  } finally {
    mine.loading = false;
    fillScreen();
  }
}

function describe({ count, what, ms, next }) {
  summary.textContent = typeof what === 'function' ? what(count) : `${count} results ${what} in ${ms} ms${next ? '; scroll for more' : ''}`;
}

/** Appends the next page of what is on screen, if there is one. */
async function more() {
  const mine = listing;
  if (!mine?.next || mine.loading) return;
  mine.loading = true;
  try {
    const page = await mine.fetchPage(mine.next);
    if (listing !== mine) return;
    results.append(...page.items.map(({ image, score, relevance }) => card(image, score, relevance)));
    Object.assign(mine, { next: page.next, count: mine.count + page.items.length });
    describe(mine);
  } catch (error) {
    summary.textContent = error.message;
  } finally {
    mine.loading = false;
    fillScreen();
  }
}

const end = document.querySelector('#end');
// The end of the list coming into view (or near it) asks for the next page.
new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && more(), { rootMargin: '400px' }).observe(end);
/** A page that leaves the end in view draws no new intersection: ask for the next one directly. */
function fillScreen() {
  if (listing?.next && end.getBoundingClientRect().top < innerHeight + 400) void more();
}

/** A search's pages: each response's results, and its cursor for the next. */
const searchPages = (request) => async (cursor) => {
  const response = await request(cursor);
  return { items: response.results, next: response.nextCursor };
};

async function showRecent() {
  current = undefined;
  again = undefined;
  await run(
    async (cursor) => {
      const { items, nextCursor } = await call('GET', `/v1/images?status=ready&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      return { items: items.map((image) => ({ image })), next: nextCursor };
    },
    (count) => (count ? 'Newest images. Search above, drop a photo to search with it, or drop images to upload.' : 'No images yet: drop some here to upload them.'),
  );
}

/** The query on screen: its words and mode, and the images it was refined with (more or less like them). */
let current;
/** The API's limit on a combined query's terms. */
const MAX_TERMS = 8;
const withCursor = (cursor) => (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');

const slider = document.querySelector('input[name=minRelevance]');
/** The relevance slider's cut, for the API (left out at 0), and the search to run again when it moves. */
const cut = () => (Number(slider.value) > 0 ? { minRelevance: Number(slider.value) } : {});
let again;

async function search(q, mode = 'semantic') {
  current = { q, mode, refinements: [] };
  again = () => search(q, mode);
  const relevance = cut().minRelevance ? `&minRelevance=${cut().minRelevance}` : '';
  await run(searchPages((cursor) => call('GET', `/v1/search?q=${encodeURIComponent(q)}&mode=${mode}&limit=${PAGE}${relevance}${withCursor(cursor)}`)), `for “${q}”${mode === 'semantic' ? '' : ` (${mode})`}`);
}

/** Refines the query on screen with an image: toward it (weight above 0) or away from it; `replay` runs the last refinement again. */
async function refine(id, weight, { replay = false } = {}) {
  detail.close();
  const refinements = replay ? current.refinements : [...current.refinements, { imageId: id, weight }];
  const liked = refinements.filter((r) => r.weight > 0).length;
  const disliked = refinements.length - liked;
  const query = [{ text: current.q }, ...refinements];
  // Kept only once it answered: a term the API refused must not spoil the next refinement.
  const relevance = cut();
  if (await run(searchPages((cursor) => call('POST', '/v1/search', { query, limit: PAGE, ...relevance, ...(cursor ? { cursor } : {}) })), `for “${current.q}”, refined: ${liked} more like, ${disliked} less like`)) {
    current.refinements = refinements;
    again = () => refine(id, weight, { replay: true });
  }
}

/** Searches with a photo from this computer; it is sent to be embedded, not stored. */
async function searchPhoto(file) {
  current = undefined;
  document.querySelector('input[name=q]').value = '';
  history.replaceState(null, '', '/');
  // Read once: every page of a search must send the same cut, or its cursor is refused.
  const relevance = cut();
  const photo = (cursor) => {
    const form = new FormData();
    form.append('image', file, file.name);
    form.append('search', JSON.stringify({ limit: PAGE, ...relevance, ...(cursor ? { cursor } : {}) }));
    return call('POST', '/v1/search', form);
  };
  again = () => searchPhoto(file);
  await run(searchPages(photo), `like ${file.name}`);
}

async function similar(id) {
  detail.close();
  current = undefined;
  again = () => similar(id);
  const relevance = cut();
  await run(searchPages((cursor) => call('POST', '/v1/search', { imageId: id, limit: PAGE, ...relevance, ...(cursor ? { cursor } : {}) })), () => 'More like this');
}

/**
 * With a word query on screen (semantic), "more like this" and "less like this" refine it with the
 * image; otherwise "more like this" shows the image's neighbours.
 */
function actions(image) {
  const ready = image.status === 'ready';
  if (!current || current.mode !== 'semantic') return [h('button', { class: 'primary', onclick: () => similar(image.id), disabled: !ready }, 'More like this'), ' '];
  const full = current.refinements.length + 1 >= MAX_TERMS;
  return [
    h('button', { class: 'primary', 'data-refine': 'more', onclick: () => refine(image.id, 0.5), disabled: !ready || full }, 'More like this'),
    ' ',
    h('button', { 'data-refine': 'less', onclick: () => refine(image.id, -0.5), disabled: !ready || full }, 'Less like this'),
    ' ',
  ];
}

async function showDetail(id) {
  const image = await call('GET', `/v1/images/${id}`);
  const exif = Object.entries(image.exif ?? {});
  const rows = [
    ['File', image.filename ?? ''],
    ['Status', image.status + (image.error ? `: ${image.error}` : '')],
    ['Dimensions', image.width ? `${image.width} × ${image.height}` : ''],
    ['Size', formatBytes(image.size)],
    ['Type', image.contentType],
    ['Uploaded', new Date(image.createdAt).toLocaleString()],
    ...(image.duplicateOf ? [['Duplicate of', image.duplicateOf]] : []),
  ];
  detail.querySelector('.body').replaceChildren(
    h(
      'div',
      { class: 'detail' },
      h('div', {}, image.url ? h('img', { src: image.url, alt: image.filename ?? 'image' }) : h('p', { class: 'muted' }, 'No file yet.')),
      h(
        'div',
        {},
        h('table', {}, rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))),
        h('p', {}, ...actions(image), h('button', { onclick: () => detail.close() }, 'Close')),
        exif.length ? h('details', { open: true }, h('summary', {}, 'EXIF'), h('table', {}, exif.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, Array.isArray(v) ? v.join(', ') : String(v)))))) : h('p', { class: 'muted' }, 'No EXIF.'),
      ),
    ),
  );
  detail.showModal();
}

/** Presign, PUT straight to storage with progress, complete, then watch the image become ready. */
async function upload(file) {
  const bar = h('progress', { max: 1, value: 0 });
  const state = h('span', { class: 'muted' }, 'signing…');
  const row = h('div', { class: 'upload', 'data-file': file.name }, h('span', {}, `${file.name} (${formatBytes(file.size)})`), bar, state);
  uploads.prepend(row);
  try {
    const { image, upload } = await call('POST', '/v1/uploads', { filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size });
    state.textContent = 'uploading…';
    await new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(upload.method, upload.url);
      // Browsers set Content-Length themselves and refuse to be told it.
      for (const [name, value] of Object.entries(upload.headers)) if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => (bar.value = event.loaded / event.total);
      xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(`storage answered ${xhr.status}`)));
      xhr.onerror = () => reject(new Error('the upload failed'));
      xhr.send(file);
    });
    bar.value = 1;
    await call('POST', `/v1/uploads/${image.id}/complete`);
    state.textContent = 'embedding…';
    for (;;) {
      const current = await call('GET', `/v1/images/${image.id}`);
      if (current.status === 'ready' || current.status === 'failed') {
        state.textContent = current.status === 'ready' ? 'ready' : `failed: ${current.error}`;
        state.className = `status-${current.status}`;
        row.dataset.status = current.status;
        if (current.status === 'ready') results.prepend(card(current));
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    state.textContent = error.message;
    state.className = 'error';
  }
}

const uploadAll = (files) => Promise.all([...files].filter((f) => f.type.startsWith('image/') || !f.type).map(upload));

document.querySelector('#search').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const q = form.get('q').trim();
  const mode = form.get('mode');
  history.replaceState(null, '', q ? `/?q=${encodeURIComponent(q)}${mode === 'semantic' ? '' : `&mode=${mode}`}` : '/');
  if (q) search(q, mode);
  else {
    current = undefined;
    showRecent();
  }
});
const shown = document.querySelector('#relevance-value');
slider.addEventListener('input', () => (shown.textContent = Number(slider.value).toFixed(2)));
// Moving the slider runs the search on screen again with the new cut (the newest images have none).
slider.addEventListener('change', () => again?.());
document.querySelector('#key').addEventListener('click', async () => (await askForKey()) && location.reload());
document.querySelector('#pick').addEventListener('click', () => document.querySelector('#files').click());
document.querySelector('#files').addEventListener('change', (event) => uploadAll(event.target.files));

document.querySelector('#photo-pick').addEventListener('click', () => document.querySelector('#photo').click());
document.querySelector('#photo').addEventListener('change', (event) => {
  const [file] = event.target.files;
  // Emptied, so picking the same photo again is a change too.
  event.target.value = '';
  if (file) searchPhoto(file);
});

// Dropped on the left half, files are uploaded; on the right half, the first one is searched with.
const drop = document.querySelector('#drop');
let depth = 0;
window.addEventListener('dragenter', (e) => { e.preventDefault(); depth++; drop.classList.add('active'); });
window.addEventListener('dragleave', () => { if (--depth === 0) drop.classList.remove('active'); });
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  depth = 0;
  drop.classList.remove('active');
  const photo = [...e.dataTransfer.files].find((f) => f.type.startsWith('image/') || !f.type);
  if (e.target.closest?.('[data-drop="search"]') && photo) searchPhoto(photo);
  else uploadAll(e.dataTransfer.files);
});

const params = new URLSearchParams(location.search);
const initial = params.get('q');
const initialMode = ['semantic', 'text', 'hybrid'].includes(params.get('mode')) ? params.get('mode') : 'semantic';
document.querySelector('select[name=mode]').value = initialMode;
if (initial) {
  document.querySelector('input[name=q]').value = initial;
  search(initial, initialMode);
} else showRecent();
if (!getKey()) summary.textContent += ' No API key set: reads work only if the server allows public reads.';
