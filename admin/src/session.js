// Who is signed in.  Roles: owner > editor > sales.
import { get, setCsrf } from './api.js';

const RANK = { sales: 1, editor: 2, owner: 3 };
export const me = { user: null, workspace: null };

export async function loadSession() {
  const s = await get('/session');
  me.user = s && s.user ? s.user : null;
  me.workspace = s && s.workspace ? s.workspace : null;
  setCsrf(s && s.csrf_token);
  return me.user;
}

export function setSession(s) {
  me.user = s.user;
  me.workspace = s.workspace || null;
  setCsrf(s.csrf_token);
}

export function signedOut() {
  me.user = null;
  me.workspace = null;
  setCsrf(null);
}

export function can(role) {
  return !!me.user && (RANK[me.user.role] || 0) >= RANK[role];
}

export function home() {
  return can('editor') ? '/admin/releases' : '/admin/leads';
}
