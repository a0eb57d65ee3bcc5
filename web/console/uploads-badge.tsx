import { href } from './router.js';
import { useActiveUploads } from './uploads.js';

/** "↑ 3 uploading" in the header while uploads run, wherever you are; links to the first one's bucket. */
export function UploadsBadge() {
  const active = useActiveUploads();
  if (active.length === 0) return null;
  return (
    <a class="badge uploads-badge" data-testid="uploads-badge" href={href(['b', active[0].bucket])}>
      ↑ {active.length} uploading
    </a>
  );
}
