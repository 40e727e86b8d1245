/** The case-folded text a model is searched by: Unicode lower case of its name and description. */
export const modelSearchText = (name: string, description: string): string => `${name}\n${description}`.toLowerCase();
