/** Media type without parameters, lower-cased: `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  return contentType.split(';', 1)[0].trim().toLowerCase();
}

/**
 * Variables from a callback body: form-urlencoded → object of strings; JSON → the parsed object.
 * Anything else, a JSON value that is not an object, or invalid JSON → `undefined`.
 */
export function parseVariables(
  body: string,
  contentType: string,
  jsonMissingValuesAsNull: boolean,
): Record<string, unknown> | undefined {
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(body));
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    const value = parseJson(body) ?? (jsonMissingValuesAsNull ? parseJson(fillMissingJsonValues(body)) : undefined);
    return isPlainObject(value) ? value : undefined;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Inserts `null` where a value is missing after a `:` (`"a":,` / `"a":}`), as the real OSS renders
 * absent numeric variables. String contents are left untouched.
 */
export function fillMissingJsonValues(text: string): string {
  let out = '';
  let inString = false;
  let afterColon = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') {
        out += ch + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inString = false;
      out += ch;
      continue;
    }
    if (afterColon && (ch === ',' || ch === '}')) out += 'null';
    if (ch === '"') inString = true;
    if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') afterColon = ch === ':';
    out += ch;
  }
  return out;
}
