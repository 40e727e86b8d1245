/**
 * How the audit search reads what a person types. People search for what happened in their own
 * words ("approve", "sign-off", "deployed"), not for the action codes the log stores
 * (`signature.create`, `promotion.complete`), so a term names families of actions as well as
 * matching codes by their text.
 */

/** A family of actions: the word stems that name it and the action-code prefixes it covers. */
export interface ActionFamily {
  name: string;
  stems: string[];
  prefixes: string[];
}

export const ACTION_FAMILIES: readonly ActionFamily[] = [
  {
    name: 'approvals and sign-offs',
    stems: ['approv', 'sign-off', 'signoff', 'sign off', 'signature', 'signed', 'consent'],
    prefixes: ['signature.', 'document.review', 'promotion.complete', 'role.grant-confirm', 'policy.activate'],
  },
  {
    name: 'refusals and rejections',
    stems: ['reject', 'refus', 'denied', 'deny', 'lockout'],
    prefixes: ['promotion.reject', 'authz.', 'auth.lockout', 'audit.refusals'],
  },
  {
    name: 'promotions and deployments',
    stems: ['promot', 'deploy', 'release', 'production', 'stage'],
    prefixes: ['promotion.', 'deployment.', 'alias.', 'version.stage', 'admission.'],
  },
  {
    name: 'suspensions, alerts and incidents',
    stems: ['suspen', 'incident', 'alert', 'oversight'],
    prefixes: ['version.suspend', 'version.unsuspend', 'incident.', 'alert.'],
  },
  {
    name: 'assessments and classification',
    stems: ['assess', 'classif', 'tier', 'questionnaire'],
    prefixes: ['assessment.', 'ethical-alignment.'],
  },
  {
    name: 'evidence',
    stems: ['evidence', 'evaluat', 'document', 'upload', 'monitor'],
    prefixes: ['evidence.', 'use-case.document', 'document.', 'monitor.'],
  },
  {
    name: 'creations',
    stems: ['creat', 'regist', 'add', 'new'],
    prefixes: ['%.create'],
  },
  {
    name: 'deletions and revocations',
    stems: ['delet', 'remov', 'revok', 'revoc'],
    prefixes: ['%.delete', '%.revoke'],
  },
  {
    name: 'sign-ins',
    stems: ['login', 'log in', 'sign-in', 'sign in', 'logout', 'session', 'password'],
    prefixes: ['session.', 'auth.', 'user.password'],
  },
  { name: 'access', stems: ['role', 'grant', 'access', 'permission', 'token'], prefixes: ['role.', 'token.'] },
  { name: 'exports', stems: ['export', 'download'], prefixes: ['export.', 'audit.export'] },
];

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The LIKE patterns (with ESCAPE '\\', over lower-cased action codes) that a typed action term
 * stands for: the code text itself (`promotion` finds `promotion.request` and
 * `promotion.complete`), plus every family one of whose stems the term starts or is started by
 * (`approve`, `approved` and `approval` all find sign-offs); a term with a dot is taken as a
 * code and names no family. `%` in a family prefix is a
 * wildcard (`%.create`: any creation); everything the person typed matches literally.
 */
export function actionPatterns(term: string): string[] {
  const t = term.trim().toLowerCase();
  if (!t) return [];
  const patterns = new Set([`%${escapeLike(t)}%`]);
  const dashed = t.replace(/\s+/g, '-');
  if (dashed !== t) patterns.add(`%${escapeLike(dashed)}%`);
  // A term with a dot is (part of) an action code, typed by someone who knows the codes.
  if (t.includes('.')) return [...patterns];
  for (const f of ACTION_FAMILIES) {
    const named = f.stems.some((s) => (t.length >= 3 && s.startsWith(t)) || t.startsWith(s));
    if (!named) continue;
    for (const p of f.prefixes) patterns.add(`${p.split('%').map(escapeLike).join('%')}%`);
  }
  return [...patterns];
}

/**
 * A subject term split into a model name and a version number when it reads like one
 * (`credit-risk v3`, `credit-risk version 3`, `credit-risk/3`); otherwise just the text.
 */
export function subjectTerm(term: string): { text: string; version?: number } {
  const m = /^(.+?)\s*(?:\s+v|\s+version\s*|\/|@)(\d{1,9})$/i.exec(term.trim());
  return m ? { text: m[1]!.trim().toLowerCase(), version: Number(m[2]) } : { text: term.trim().toLowerCase() };
}
