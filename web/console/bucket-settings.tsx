import { Breadcrumb } from './breadcrumb.js';
import { href } from './router.js';
import type { Credentials } from './session.js';
import { SettingsAcl } from './settings-acl.js';
import { SettingsCallbacks } from './settings-callbacks.js';
import { SettingsCors } from './settings-cors.js';
import { SettingsEncryption } from './settings-encryption.js';
import { SettingsLifecycle } from './settings-lifecycle.js';
import { SettingsLogging } from './settings-logging.js';
import { SettingsOverview } from './settings-overview.js';
import { SettingsPayment } from './settings-payment.js';
import { SettingsPolicy } from './settings-policy.js';
import { SettingsReferer } from './settings-referer.js';
import type { SettingsSection } from './settings-section.js';
import { SettingsStyles } from './settings-styles.js';
import { SettingsTags } from './settings-tags.js';
import { SettingsVersioning } from './settings-versioning.js';
import { SettingsWebsite } from './settings-website.js';

/**
 * The tabs of a bucket's settings page (#/b/BUCKET/settings/TAB). A bucket feature plugs in by adding
 * its section here: one component in its own settings-*.tsx taking { creds, bucket }.
 */
export const SETTINGS_SECTIONS: SettingsSection[] = [
  { id: 'overview', label: 'Overview', component: SettingsOverview },
  { id: 'acl', label: 'Access control', component: SettingsAcl },
  { id: 'cors', label: 'CORS', component: SettingsCors },
  { id: 'policy', label: 'Policy', component: SettingsPolicy },
  { id: 'referer', label: 'Referer', component: SettingsReferer },
  { id: 'versioning', label: 'Versioning', component: SettingsVersioning },
  { id: 'lifecycle', label: 'Lifecycle', component: SettingsLifecycle },
  { id: 'encryption', label: 'Encryption', component: SettingsEncryption },
  { id: 'website', label: 'Website', component: SettingsWebsite },
  { id: 'logging', label: 'Logging', component: SettingsLogging },
  { id: 'tags', label: 'Tags', component: SettingsTags },
  { id: 'payment', label: 'Request payment', component: SettingsPayment },
  { id: 'callbacks', label: 'Callbacks', component: SettingsCallbacks },
  { id: 'styles', label: 'Image styles', component: SettingsStyles },
];

export function BucketSettings({ creds, bucket, tab }: { creds: Credentials; bucket: string; tab?: string }) {
  const section = SETTINGS_SECTIONS.find((s) => s.id === tab) ?? SETTINGS_SECTIONS[0];
  const Section = section.component;
  return (
    <section>
      <div class="row spread wrap">
        <Breadcrumb bucket={bucket} prefix="" />
        <a class="button" href={href(['b', bucket])}>
          Objects
        </a>
      </div>
      <h2>Settings</h2>
      <div class="tabs" role="tablist" data-testid="settings-tabs">
        {SETTINGS_SECTIONS.map((s) => (
          <a
            key={s.id}
            role="tab"
            aria-selected={s === section}
            class={s === section ? 'active' : ''}
            href={href(['b', bucket, 'settings', s.id])}
            data-tab={s.id}
          >
            {s.label}
          </a>
        ))}
      </div>
      <div class="card" data-section={section.id}>
        <Section key={`${bucket}/${section.id}`} creds={creds} bucket={bucket} />
      </div>
    </section>
  );
}
