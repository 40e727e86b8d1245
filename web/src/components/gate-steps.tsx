import { Badge, plainText } from '../ui/basics.tsx';

interface Step {
  id: string;
  title?: string;
  state: 'done' | 'current' | 'upcoming';
  gate: { passed: boolean; blockers: { measure: string; title: string; status: string; detail: string[] }[] };
}

/** A process's steps, each with its gate and, until it is done, what blocks it. */
export function GateSteps({ steps }: { steps: Step[] }) {
  return (
    <ol className="steps">
      {steps.map((st) => (
        <li key={st.id} className={st.state}>
          <div>
            <strong>{st.title ?? st.id}</strong> <Badge value={st.state} />{' '}
            {st.gate.passed ? <Badge value="passed" /> : <Badge value="blocked" />}
          </div>
          {st.gate.blockers.length > 0 && st.state !== 'done' && (
            <ul className="blockers">
              {st.gate.blockers.map((b) => (
                <li key={b.measure}>
                  <Badge value={b.status} /> {b.title}
                  {b.detail.length > 0 && <span className="sub">: {plainText(b.detail.join('; '))}</span>}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}
