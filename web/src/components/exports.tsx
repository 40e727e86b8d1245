import { Section } from '../ui/basics.tsx';

export interface ExportDocument {
  /** What the document is, e.g. "Model card". */
  label: string;
  /** Its URL without query, e.g. `/api/v1/models/x/versions/1/exports/model-card`. */
  url: string;
}

/**
 * Documents generated from the record, for auditors and regulators: preview (HTML, in a new tab),
 * download as PDF or Markdown, and optional plain files (the ML-BOM). Links, not scripts: the
 * session cookie authenticates the GETs, and the browser does the downloading.
 */
export function ExportsSection({ documents, files = [] }: { documents: ExportDocument[]; files?: ExportDocument[] }) {
  return (
    <Section title="Documents for auditors">
      <p className="muted">Generated from the record as it is now; each download is recorded in the audit trail.</p>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Document</th>
            <th scope="col">Preview and download</th>
          </tr>
        </thead>
        <tbody>
          {documents.map((d) => (
            <tr key={d.url}>
              <td>{d.label}</td>
              <td className="actions">
                <a href={`${d.url}?format=html`} target="_blank" rel="noopener">
                  Preview
                </a>{' '}
                <a href={`${d.url}?format=pdf&download=true`} download>
                  PDF
                </a>{' '}
                <a href={`${d.url}?format=md&download=true`} download>
                  Markdown
                </a>
              </td>
            </tr>
          ))}
          {files.map((f) => (
            <tr key={f.url}>
              <td>{f.label}</td>
              <td className="actions">
                <a href={`${f.url}?download=true`} download>
                  Download
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
