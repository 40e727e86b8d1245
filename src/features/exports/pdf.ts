import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Block, GeneratedDocument } from '../../domain/exports/document.ts';
import { barMax, headerFacts } from '../../domain/exports/markdown.ts';

const require = createRequire(import.meta.url);
// Embedded (subset) TrueType fonts: the PDF renders the same everywhere and its text can be extracted.
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
const MONO = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf');

const MARGIN = 50;
const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : String(Math.round(x * 10_000) / 10_000));

/**
 * Renders a generated document as PDF, server-side: embedded DejaVu fonts, extractable text and
 * the document's metadata (title, subject, keywords with the generator's version and the digest of
 * the record it was generated from). `compress: false` leaves content streams readable.
 */
export function renderPdf(doc: GeneratedDocument, opts: { compress?: boolean } = {}): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: opts.compress ?? true,
    info: {
      Title: `${doc.title}: ${doc.subject}`,
      Subject: `${doc.subject}; inputs ${doc.inputsDigest}`,
      Keywords: `steward, ${doc.kind}, ${doc.generator}, ${doc.inputsDigest}`,
      Creator: doc.generator,
      Producer: doc.generator,
    },
    pdfVersion: '1.7',
    displayTitle: true,
    lang: 'en',
  });
  pdf.registerFont('body', FONT);
  pdf.registerFont('bold', BOLD);
  pdf.registerFont('mono', MONO);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN;
  const room = (h: number) => {
    if (pdf.y + h > bottom()) pdf.addPage();
  };

  pdf.font('bold').fontSize(18).text(`${doc.title}: ${doc.subject}`, { width });
  pdf.moveDown(0.5);
  fields(headerFacts(doc), 9);
  if (doc.preamble) pdf.font('body').fontSize(10).text(doc.preamble, { width }).moveDown(0.5);

  function fields(rows: [string, string][], size = 10) {
    for (const [k, v] of rows) {
      room(size * 2);
      pdf.font('bold').fontSize(size).text(`${k}: `, MARGIN, pdf.y, { continued: true, width });
      pdf.font('body').text(v || ' ', { width });
    }
    pdf.moveDown(0.4);
  }

  function table(head: string[], rows: string[][]) {
    const colW = width / head.length;
    const size = head.length > 5 ? 7 : 8;
    const line = (cells: string[], font: 'bold' | 'body') => {
      pdf.font(font).fontSize(size);
      const h = Math.max(...cells.map((c) => pdf.heightOfString(c || ' ', { width: colW - 6 }))) + 6;
      room(h);
      const y = pdf.y;
      cells.forEach((c, i) => {
        pdf
          .rect(MARGIN + i * colW, y, colW, h)
          .lineWidth(0.5)
          .stroke('#999999');
        pdf.fillColor('black').text(c || ' ', MARGIN + i * colW + 3, y + 3, { width: colW - 6 });
      });
      pdf.x = MARGIN;
      pdf.y = y + h;
    };
    line(head, 'bold');
    for (const r of rows) line(r, 'body');
    pdf.moveDown(0.6);
  }

  function bars(b: Extract<Block, { kind: 'bars' }>) {
    const max = barMax(b.bars) || 1;
    room(14 + b.bars.length * 14);
    pdf.font('bold').fontSize(9).text(b.title, MARGIN, pdf.y, { width });
    for (const x of b.bars) {
      room(14);
      const y = pdf.y + 2;
      const w = x.value === null || !Number.isFinite(x.value) ? 0 : (Math.abs(x.value) / max) * (width - 200);
      pdf.font('body').fontSize(8).fillColor('black').text(x.label, MARGIN, y, { width: 140, lineBreak: false });
      pdf.rect(MARGIN + 145, y, w, 9).fill('#3b6ea5');
      pdf.fillColor('black').text(fmt(x.value), MARGIN + 150 + w, y, { lineBreak: false });
      pdf.x = MARGIN;
      pdf.y = y + 12;
    }
    pdf.moveDown(0.6);
  }

  for (const s of doc.sections) {
    room(60);
    pdf.moveDown(0.5).font('bold').fontSize(13).fillColor('black').text(s.title, MARGIN, pdf.y, { width });
    pdf.moveDown(0.3);
    for (const b of s.blocks) {
      switch (b.kind) {
        case 'text':
          pdf.font('body').fontSize(10).text(b.text, MARGIN, pdf.y, { width }).moveDown(0.4);
          break;
        case 'missing':
          pdf.font('bold').fontSize(10).fillColor('#8a1c1c').text(b.text, MARGIN, pdf.y, { width });
          pdf.fillColor('black').moveDown(0.4);
          break;
        case 'fields':
          fields(b.rows);
          break;
        case 'table':
          table(b.head, b.rows);
          break;
        case 'bars':
          bars(b);
          break;
        case 'quote':
          pdf.font('bold').fontSize(9).text(b.title, MARGIN, pdf.y, { width });
          pdf
            .font('mono')
            .fontSize(8)
            .text(b.text, MARGIN + 10, pdf.y, { width: width - 10 })
            .moveDown(0.4);
          pdf.x = MARGIN;
          break;
      }
    }
  }
  pdf.end();
  return done;
}
