// HTTP client for the Postil server: builds requests, attaches the bearer token, and sorts every
// outcome into one of three kinds the queue acts on differently.
//
//  - "transient": the server is down, unreachable, overloaded or broken (network error, 5xx, 408,
//    429). Retrying later can succeed, so queued changes wait.
//  - "unauthorized": 401. Waiting cannot help, signing in can; queued changes wait for that.
//  - "permanent": any other 4xx (validation, conflict, gone). Retrying would fail forever, so the
//    change is set aside and shown to the user instead of looping.

import { postQuery } from "../post-key/index.js";
import { LIMITS } from "../shared/contract.js";

const TIMEOUT_MS = 10_000;

export class ServerError extends Error {
  constructor(kind, status, code, message) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
  }

  toJSON() {
    return { kind: this.kind, status: this.status, code: this.code, message: this.message };
  }
}

/** Which of the three kinds an HTTP error status is. */
export function kindOf(status) {
  if (status === 401) return "unauthorized";
  if (status >= 500 || status === 408 || status === 429) return "transient";
  return "permanent";
}

/** Join the server's base URL with an API path and query parameters (arrays repeat). */
export function buildUrl(base, path, query = {}) {
  const url = new URL(path, base.replace(/\/*$/, "/"));
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(one));
  }
  return url.toString();
}

/**
 * Send one request; resolve to `{status, data, headers}` for 2xx, throw a ServerError otherwise.
 * `path` is relative to the server root ("api/annotations").
 */
export async function request(base, method, path, { token, body, query, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "omit" };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  init.signal = AbortSignal.timeout(TIMEOUT_MS);
  let response;
  try {
    response = await fetch(buildUrl(base, path, query), init);
  } catch (err) {
    throw new ServerError("transient", 0, "unreachable", `Cannot reach the server at ${base} (${err?.message ?? err})`);
  }
  let data = null;
  const text = await response.text().catch(() => "");
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) return { status: response.status, data, headers: response.headers };
  const code = data?.error?.code ?? `http_${response.status}`;
  const message = data?.error?.message ?? `The server answered ${response.status}`;
  throw new ServerError(kindOf(response.status), response.status, code, message);
}

/**
 * Read every page of a listing (`{items, next_cursor}`) at `path`, following the cursor; the
 * one way both hosts (the extension's background, the embed's page background) read a list.
 */
export async function fetchPages(base, path, { token, query = {} } = {}) {
  const items = [];
  let cursor = null;
  do {
    const { data } = await request(base, "GET", path, { token, query: { ...query, cursor } });
    items.push(...(data?.items ?? []));
    cursor = data?.next_cursor ?? null;
  } while (cursor);
  return items;
}

/** The query listing a post's annotations for painting: every page, oldest first. */
export function annotationsQuery(post) {
  return { ...postQuery(post), limit: LIMITS.page, sort: "created", order: "asc" };
}

/** Where the thread of replies below annotation `id` is read. */
export function repliesPath(id) {
  return `api/annotations/${encodeURIComponent(id)}/replies`;
}
