/**
 * Decodes Stripe's form encoding: `metadata[plan]=pro`, `line_items[0][price]=price_1`, `expand[]=customer`.
 * The SDK sends indexed arrays (`expand[0]`); curl users send `expand[]`; both become arrays here.
 */

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Splits `a[b][0][]` into ['a', 'b', '0', '']. */
function keyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(key.slice(open))) !== null) parts.push(match[1]);
  return parts;
}

const APPEND = Symbol('append');
type Tree = { [key: string]: Tree | string } & { [APPEND]?: number };

function insert(tree: Tree, path: string[], value: string): void {
  let node = tree;
  for (let i = 0; i < path.length; i += 1) {
    let segment = path[i];
    if (segment === '') {
      // `x[]` appends: number each occurrence so `x[][a]=1&x[][b]=2` still yields two elements.
      const next = node[APPEND] ?? 0;
      const isLeaf = i === path.length - 1;
      const current = next - 1;
      const existing = current >= 0 ? node[String(current)] : undefined;
      // Open a new element unless the previous one is an object still missing this key.
      const reuse = !isLeaf && typeof existing === 'object' && !(path[i + 1] in existing);
      segment = String(reuse ? current : next);
      if (!reuse) node[APPEND] = next + 1;
    }
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const child = node[segment];
    if (typeof child !== 'object') node[segment] = {};
    node = node[segment] as Tree;
  }
}

/** Objects whose keys are all array indexes become arrays, in index order. */
function normalise(node: Tree | string): FormValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => normalise(node[String(index)]));
  }
  const out: FormObject = {};
  for (const key of keys) out[key] = normalise(node[key]);
  return out;
}

export function decodeForm(body: string): FormObject {
  const tree: Tree = {};
  if (!body) return {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const equals = pair.indexOf('=');
    const rawKey = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    insert(tree, keyPath(key), value);
  }
  return normalise(tree) as FormObject;
}
