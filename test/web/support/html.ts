/** A page's HTML without the markers React puts between adjacent pieces of text. */
export const html = async (response: Response) => (await response.text()).replaceAll('<!-- -->', '');

/** The text of the element with this id (its first text), or null when the page has no such element. */
export function textOf(html: string, id: string): string | null {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  return match ? match[1]! : null;
}
