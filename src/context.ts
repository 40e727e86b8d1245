/** Who is acting and from where; passed to every service command so records are attributable. */
export interface Actor {
  id: string;
  name: string;
}

export interface RequestContext {
  actor: Actor | null;
  requestId: string;
  source: string | null;
}

export const systemContext = (requestId = 'system'): RequestContext => ({ actor: null, requestId, source: null });
