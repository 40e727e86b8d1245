import { strToU8, zipSync } from 'fflate';

/** A table for export: column headings and rows of text, numbers or nothing. */
export interface Sheet {
  name: string;
  head: string[];
  rows: (string | number | null)[][];
}

/**
 * A cell as CSV text (RFC 4180). Text that a spreadsheet would run as a formula (starting with `=`,
 * `+`, `-`, `@`, tab or CR) is prefixed with `'`, so an exported name cannot execute in the reader's
 * spreadsheet (CSV injection).
 */
function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record with its CRLF line end, cells escaped as `toCsv` escapes them. */
export function csvLine(cells: (string | number | null)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The sheet as CSV (RFC 4180: CRLF line ends, a header row). */
export function toCsv(sheet: Sheet): string {
  return [sheet.head, ...sheet.rows].map(csvLine).join('');
}

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Characters XML 1.0 cannot carry at all.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

/** Spreadsheet column letters of a 0-based index (A..Z, AA..). */
export function columnName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

/**
 * The sheet as an XLSX workbook (Office Open XML, ECMA-376): the minimal parts, inline strings, a
 * bold header row that stays in view when scrolling, and an auto-filter over the table.
 */
export function toXlsx(sheet: Sheet): Uint8Array {
  const last = `${columnName(Math.max(0, sheet.head.length - 1))}${sheet.rows.length + 1}`;
  const row = (cells: (string | number | null)[], r: number, style: number) =>
    `<row r="${r}">${cells
      .map((v, c) => {
        const ref = `${columnName(c)}${r}`;
        const s = style ? ` s="${style}"` : '';
        if (v === null) return '';
        if (typeof v === 'number' && Number.isFinite(v)) return `<c r="${ref}"${s}><v>${v}</v></c>`;
        return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${xml(String(v))}</t></is></c>`;
      })
      .join('')}</row>`;
  const worksheet =
    `${HEAD}<worksheet xmlns="${MAIN}" xmlns:r="${REL}">` +
    `<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
    `<sheetData>${row(sheet.head, 1, 1)}${sheet.rows.map((r, i) => row(r, i + 2, 0)).join('')}</sheetData>` +
    `<autoFilter ref="A1:${last}"/></worksheet>`;
  const files: Record<string, string> = {
    '[Content_Types].xml':
      `${HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
      `<Default Extension="xml" ContentType="application/xml"/>` +
      `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
      `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
      `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
      `</Types>`,
    '_rels/.rels': `${HEAD}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml':
      `${HEAD}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="${xml(sheet.name.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets>` +
      `<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'${xml(sheet.name.slice(0, 31)).replace(/'/g, "''")}'!$A$1:$${columnName(Math.max(0, sheet.head.length - 1))}$${sheet.rows.length + 1}</definedName></definedNames></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `${HEAD}<Relationships xmlns="${PKG_REL}">` +
      `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    'xl/styles.xml':
      `${HEAD}<styleSheet xmlns="${MAIN}">` +
      `<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
      `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
      `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
      `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
      `<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
      `</styleSheet>`,
    'xl/worksheets/sheet1.xml': worksheet,
  };
  // A fixed time: the same table gives the same bytes.
  const mtime = new Date('2000-01-01T00:00:00Z');
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [strToU8(v), { mtime }]])), { level: 6 });
}
