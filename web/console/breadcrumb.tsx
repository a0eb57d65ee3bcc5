import { href } from './router.js';

/** Buckets / bucket / folder / sub-folder: each part links to that level of the delimiter listing. */
export function Breadcrumb({ bucket, prefix }: { bucket: string; prefix: string }) {
  const parts = prefix.split('/').filter(Boolean);
  return (
    <nav class="crumbs" aria-label="Folders" data-testid="breadcrumb">
      <a href={href(['buckets'])}>Buckets</a>
      <span class="sep">/</span>
      <a href={href(['b', bucket])} data-crumb="">
        {bucket}
      </a>
      {parts.map((c, i) => {
        const p = `${parts.slice(0, i + 1).join('/')}/`;
        return (
          <span key={p}>
            <span class="sep">/</span>
            {i === parts.length - 1 ? (
              <strong data-crumb={p}>{c}</strong>
            ) : (
              <a href={href(['b', bucket], { prefix: p })} data-crumb={p}>
                {c}
              </a>
            )}
          </span>
        );
      })}
    </nav>
  );
}
