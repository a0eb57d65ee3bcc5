import { CallbackFailure } from './callback-failure.js';
import { href } from './router.js';
import type { SettingsProps } from './settings-section.js';

/** Upload callbacks and event notifications: the veto mode and where to manage notification rules. */
export function SettingsCallbacks({ creds, bucket }: SettingsProps) {
  return (
    <div data-testid="callbacks">
      <CallbackFailure creds={creds} bucket={bucket} />
      <p>
        Event notifications (HTTP endpoints told of object changes) and their retries are managed on the{' '}
        <a href={href(['notifications'], { bucket })} data-testid="notifications-link">
          notifications page
        </a>
        ; each callback and notification sent is listed under <a href={href(['deliveries'])}>Deliveries</a>.
      </p>
    </div>
  );
}
