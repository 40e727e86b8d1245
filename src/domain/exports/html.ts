import type { Block, GeneratedDocument } from './document.ts';
import { barMax, headerFacts } from './markdown.ts';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : String(Math.round(x * 10_000) / 10_000));

/** A horizontal bar chart as inline SVG (no scripts, no external resources). */
function bars(b: Extract<Block, { kind: 'bars' }>): string {
  const max = barMax(b.bars) || 1;
  const row = 22;
  const h = b.bars.length * row + 4;
  const items = b.bars
    .map((x, i) => {
      const w = x.value === null || !Number.isFinite(x.value) ? 0 : (Math.abs(x.value) / max) * 300;
      const y = i * row + 2;
      return `<text x="0" y="${y + 15}" font-size="12">${esc(x.label)}</text><rect x="160" y="${y + 3}" width="${w.toFixed(1)}" height="14" fill="#3b6ea5"/><text x="${(166 + w).toFixed(1)}" y="${y + 15}" font-size="12">${fmt(x.value)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${esc(b.title)}</figcaption><svg role="img" aria-label="${esc(b.title)}" width="540" height="${h}" viewBox="0 0 540 ${h}" xmlns="http://www.w3.org/2000/svg">${items}</svg></figure>`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'text':
      return `<p>${esc(b.text)}</p>`;
    case 'missing':
      return `<p class="missing">${esc(b.text)}</p>`;
    case 'fields':
      return `<dl>${b.rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
    case 'table':
      return `<table><thead><tr>${b.head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    case 'bars':
      return bars(b);
    case 'quote':
      return `<blockquote><p class="quote-title">${esc(b.title)}</p><pre>${esc(b.text)}</pre></blockquote>`;
  }
}

const STYLE = `body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #999;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #bbb;padding:.2rem .4rem;text-align:left;font-size:.85rem;vertical-align:top;word-break:break-word}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}dt{font-weight:bold}dd{margin:0;word-break:break-all}
.missing{font-weight:bold;color:#8a1c1c}blockquote{border-left:3px solid #999;margin:.5rem 0;padding-left:.8rem}pre{white-space:pre-wrap}
header dl{font-size:.85rem}@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}`;

/** Renders a generated document as one self-contained, printable HTML page (inline CSS and SVG only). */
export function renderHtml(doc: GeneratedDocument): string {
  const title = `${doc.title}: ${doc.subject}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="generator" content="${esc(doc.generator)}"><meta name="steward-inputs-digest" content="${esc(doc.inputsDigest)}">
<style>${STYLE}</style></head><body>
<header><h1>${esc(title)}</h1><dl>${headerFacts(doc)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl>${doc.preamble ? `<p>${esc(doc.preamble)}</p>` : ''}</header>
<main>${doc.sections
    .map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>${s.blocks.map(block).join('\n')}</section>`)
    .join('\n')}</main>
</body></html>
`;
}
