import { startTransition, useEffect, useState, useTransition, type AnchorHTMLAttributes, type MouseEvent } from 'react';

// A small history router: the console's routes are few and flat, and a dependency would buy little.
const listeners = new Set<() => void>();

// A move to another page renders as a transition: each page's code is a chunk of its own, and while
// the next page's chunk loads the current page stays on screen (marked busy) instead of a loading
// state flashing in between. A change of query alone (a tab, a filter) renders at once.
let startNavigation: (update: () => void) => void = startTransition;
const notify = () => listeners.forEach((l) => l());

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const from = location.pathname;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  if (location.pathname === from) notify();
  else startNavigation(notify);
  window.scrollTo(0, 0);
}
window.addEventListener('popstate', () => startNavigation(notify));

/**
 * Whether a move to another page is still under way (its code loading). Called once, by the
 * console's frame, whose transition every navigation then runs in.
 */
export function useNavigationPending(): boolean {
  const [pending, start] = useTransition();
  useEffect(() => {
    startNavigation = start;
    return () => void (startNavigation = startTransition);
  }, [start]);
  return pending;
}

interface Where {
  path: string;
  search: string;
}
const here = (): Where => ({ path: location.pathname, search: location.search });

/**
 * The location as this render sees it. It is React state, not read from `window.location` while
 * rendering, so that a render during a pending navigation still shows the page it started from.
 */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [where, setWhere] = useState(here);
  useEffect(() => {
    const l = () => setWhere((w) => (w.path === location.pathname && w.search === location.search ? w : here()));
    listeners.add(l);
    // A navigation between the first render and this effect would otherwise go unseen.
    l();
    return () => void listeners.delete(l);
  }, []);
  return { path: where.path, query: new URLSearchParams(where.search) };
}

/** Matches `path` against a pattern like `/models/:name/versions/:version`; params are decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const trim = (x: string) => x.replace(/\/+$/, '') || '/';
  const p = trim(pattern).split('/');
  const s = trim(path).split('/');
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(':')) {
      try {
        out[part.slice(1)] = decodeURIComponent(s[i]!);
      } catch {
        return null;
      }
    } else if (part !== s[i]) return null;
  }
  return out;
}

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest} />;
}

export const enc = encodeURIComponent;
