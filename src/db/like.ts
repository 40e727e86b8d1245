/** Escapes LIKE wildcards so user text matches literally (with ESCAPE '\\'), as a contains-pattern. */
export const likeLiteral = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
