import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OssError } from '../errors/oss-error.js';

export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Text content needs only &, < and > escaped; OSS writes quotes literally (ETag "…"). */
function escapeText(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const t = String(v);
  return NEEDS_ESCAPE.test(t) ? t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : t;
}
const NEEDS_ESCAPE = /[&<>]/;

/**
 * A date as OSS writes it in XML bodies: ISO 8601 with whole seconds and a literal `.000Z`
 * (`2026-12-03T18:56:50.000Z`). The same second as the HTTP `Last-Modified` header; Python's oss2
 * parses only this form.
 */
export function ossXmlDate(ms: number): string {
  // Objects listed together were often written in the same second: the last one formatted is kept.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastDate = `${new Date(second * 1000).toISOString().slice(0, 19)}.000Z`;
  }
  return lastDate;
}
let lastSecond = Number.NaN;
let lastDate = '';

/**
 * Renders `<?xml …?>` + `<root>…</root>`; arrays repeat the element, undefined and null drop it, `#text`
 * is the element's own text. Written by hand rather than with fast-xml-parser's XMLBuilder (whose output it
 * reproduces exactly, test/http/xml-render.test.ts): a 1000-entry listing spent more time in the builder
 * than in SQLite.
 */
export function renderXml(root: string, body: XmlObject): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, body)}`;
}

function element(name: string, v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v) out += element(name, x);
    return out;
  }
  if (typeof v === 'object') {
    let out = `<${name}>`;
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (k === '#text') {
        if (x !== undefined && x !== null) out += escapeText(x);
      } else out += element(k, x);
    }
    return `${out}</${name}>`;
  }
  return `<${name}>${escapeText(v)}</${name}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: { enabled: true, maxEntityCount: 0, maxTotalExpansions: 100000, maxExpandedLength: 4_000_000 },
  // Only the five XML entities plus numeric references (Go's encoding/xml writes ' as &#39;, \t as &#x9;);
  // an empty map keeps HTML names such as &nbsp; undecoded. fast-xml-parser 5 accepts a map here
  // (OrderedObjParser: numericAllowed = htmlEntities), but its typings only say boolean.
  htmlEntities: {} as unknown as boolean,
  maxNestedTags: 32,
  isArray: (_name, _path, isLeaf) => !isLeaf || true,
});

/**
 * Parses a request body. Every element becomes an array of children (uniform access);
 * DOCTYPE and custom entities are refused. Throws MalformedXML.
 */
export function parseXml(text: string): XmlObject {
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || !/^\s*<[\s\S]*>\s*$/.test(text)) throw new OssError('MalformedXML');
  // Only the five predefined entities and character references exist without a DTD; the validator
  // lets `&foo;` through (and the parser would keep it as literal text).
  const markup = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '');
  if (/&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/.test(markup)) throw new OssError('MalformedXML');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new OssError('MalformedXML');
  let doc: XmlObject;
  try {
    doc = parser.parse(text) as XmlObject;
  } catch (err) {
    throw new OssError('MalformedXML', { cause: err });
  }
  // Exactly one root element and nothing but whitespace around it (the validator accepts `<a/><b/>`).
  const roots = Object.values(doc);
  if (roots.length !== 1 || !Array.isArray(roots[0]) || roots[0].length !== 1) throw new OssError('MalformedXML');
  return doc;
}

/** Children named `name` of a parsed element (parseXml makes everything an array). */
export function children(input: XmlValue | undefined, name: string): XmlValue[] {
  const node = Array.isArray(input) ? input[0] : input;
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  const v = node[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function child(node: XmlValue | undefined, name: string): XmlValue | undefined {
  return children(node, name)[0];
}

/** Text content of a leaf element ('' for an empty element). */
export function text(node: XmlValue | undefined): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object' && Object.keys(node).length === 0) return '';
  const t = (node as XmlObject)['#text'];
  return t === undefined ? undefined : String(t);
}

export function childText(node: XmlValue | undefined, name: string): string | undefined {
  return text(child(node, name));
}
