// The pages' one way to the API: the key lives in this browser only (localStorage) and goes
// out as a bearer header, exactly as any other client sends it.
const KEY = 'sis.apiKey';

export const getKey = () => localStorage.getItem(KEY) ?? '';
export const setKey = (key) => (key ? localStorage.setItem(KEY, key.trim()) : localStorage.removeItem(KEY));

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

/** Calls the API with a JSON body, or a form (FormData) as it is; on 401 asks for a key once (through `askForKey`) and tries again. */
export async function api(method, path, body, { askForKey } = {}) {
  const form = body instanceof FormData;
  const send = () =>
    fetch(path, {
      method,
      headers: { ...(getKey() ? { authorization: `Bearer ${getKey()}` } : {}), ...(body && !form ? { 'content-type': 'application/json' } : {}) },
      body: body ? (form ? body : JSON.stringify(body)) : undefined,
    });
  let response = await send();
  if (response.status === 401 && askForKey && (await askForKey())) response = await send();
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Builds an element; strings become text nodes, so nothing user-supplied is ever parsed as HTML. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) element.append(child instanceof Node ? child : String(child));
  return element;
}

/**
 * A dialog asking for an API key, kept in this browser; the returned function opens it and
 * resolves true when a key was given.
 */
export function keyPrompt(title, explanation) {
  const dialog = h(
    'dialog',
    { id: 'key-dialog' },
    h(
      'form',
      { method: 'dialog', class: 'body' },
      h('h3', {}, title),
      h('p', { class: 'muted' }, explanation, ' It is kept in this browser only.'),
      h('input', { type: 'password', name: 'key', placeholder: 'sis_…', autocomplete: 'off' }),
      h('p', {}, h('button', { value: 'save', class: 'primary' }, 'Save'), ' ', h('button', { value: 'cancel', formnovalidate: true }, 'Cancel')),
    ),
  );
  document.body.append(dialog);
  return () =>
    new Promise((resolve) => {
      const input = dialog.querySelector('input');
      input.value = getKey();
      dialog.showModal();
      dialog.addEventListener(
        'close',
        () => {
          if (dialog.returnValue === 'save' && input.value.trim()) {
            setKey(input.value);
            resolve(true);
          } else resolve(false);
        },
        { once: true },
      );
    });
}

export const formatBytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KB` : `${n} B`);
export const formatTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');
