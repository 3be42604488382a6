// The access token lives in sessionStorage only: it goes when the tab closes, is never written
// to localStorage or a cookie, and is sent only as an Authorization header.
const KEY = 'imgpipe.token';

export function readToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function storeToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the token still works for this page view
  }
}

/** Accepts a pasted `Bearer eyJ...` as well as the bare token. */
export function normaliseToken(input: string): string {
  return input.trim().replace(/^bearer\s+/i, '');
}
